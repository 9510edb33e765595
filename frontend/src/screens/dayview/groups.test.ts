import { describe, expect, it } from 'vitest';
import type { Appointment, AppointmentStatus, Counter } from '../../lib/api';
import { actionsFor, groupByCounter } from './groups';

const counters: Counter[] = [
  { id: 'c1', building: 'b', name: 'Schalter 1' },
  { id: 'c2', building: 'b', name: 'Schalter 2' },
];

function appt(id: string, start: string, counter: string, status: AppointmentStatus = 'booked'): Appointment {
  return { id, code: id.toUpperCase(), building: 'b', services: ['s'], start, end: start, status, counter };
}

describe('groupByCounter', () => {
  it('gives every counter a column, appointments by start, the rest last', () => {
    const groups = groupByCounter(
      counters,
      [
        appt('a', '2026-11-18T09:00:00+01:00', 'c1', 'checked_in'),
        appt('b', '2026-11-18T08:00:00+01:00', 'c1'),
        appt('c', '2026-11-18T08:30:00+01:00', ''),
        appt('d', '2026-11-18T08:30:00+01:00', 'gone'),
        appt('e', '2026-11-18T08:15:00+01:00', 'c1', 'checked_in'),
      ],
      'Ohne Schalter',
    );
    expect(groups.map((g) => [g.id, g.name, g.appointments.map((a) => a.id), g.waiting])).toEqual([
      ['c1', 'Schalter 1', ['b', 'e', 'a'], 2],
      ['c2', 'Schalter 2', [], 0],
      ['', 'Ohne Schalter', ['c', 'd'], 0],
    ]);
  });

  it('has no extra column when every appointment has its counter', () => {
    const groups = groupByCounter(counters, [appt('a', '2026-11-18T09:00:00+01:00', 'c2')], 'Ohne Schalter');
    expect(groups.map((g) => g.id)).toEqual(['c1', 'c2']);
  });
});

describe('actionsFor', () => {
  it.each<[AppointmentStatus, string[]]>([
    ['booked', ['noShow', 'cancel', 'move']],
    ['checked_in', ['call', 'served', 'noShow']],
    ['called', ['call', 'served', 'noShow']],
    ['served', []],
    ['no_show', []],
    ['cancelled', []],
  ])('%s', (status, want) => {
    const can = actionsFor({ status });
    expect(Object.entries(can).filter(([, v]) => v).map(([k]) => k)).toEqual(want);
  });
});
