import { describe, expect, it } from 'vitest';
import type { CalendarDay, Slot } from './api';
import { de } from './messages';
import { earliest, slotDay, weekColumns } from './slots';
import { addDays, formatDayShort, formatSlot, formatSlotRange, mondayOf, weekdayOf } from './time';

const slot = (start: string, end = start): Slot => ({ start, end, building: 'buergerbuero' });

describe('plain days', () => {
  it.each([
    ['a Wednesday', '2026-11-18', '2026-11-16', 3],
    ['a Monday is its own Monday', '2026-11-16', '2026-11-16', 1],
    ['a Sunday belongs to the week before', '2026-11-22', '2026-11-16', 7],
    ['across a month end', '2026-12-02', '2026-11-30', 3],
    ['across a year end', '2027-01-01', '2026-12-28', 5],
    ['the Sunday clocks go forward', '2027-03-28', '2027-03-22', 7],
    ['the day after', '2027-03-29', '2027-03-29', 1],
    ['the Sunday clocks go back', '2026-10-25', '2026-10-19', 7],
  ])('%s', (_name, day, monday, weekday) => {
    expect(mondayOf(day)).toBe(monday);
    expect(weekdayOf(day)).toBe(weekday);
  });

  it('adds days across DST changes without losing one', () => {
    expect(addDays('2027-03-22', 6)).toBe('2027-03-28');
    expect(addDays('2027-03-22', 7)).toBe('2027-03-29');
    expect(addDays('2026-10-25', 1)).toBe('2026-10-26');
    expect(addDays('2026-11-30', -1)).toBe('2026-11-29');
  });

  it('writes column heads', () => {
    expect(formatDayShort('2026-11-18')).toBe('Mi., 18.11.');
    expect(formatDayShort('2027-03-28')).toBe('So., 28.03.');
  });
});

describe('weekColumns', () => {
  it('puts each slot under its Berlin day, Monday to Sunday', () => {
    const cols = weekColumns('2026-11-16', [
      slot('2026-11-18T08:15:00+01:00'),
      slot('2026-11-18T08:00:00+01:00'),
      slot('2026-11-16T15:45:00+01:00'),
      // 23:30 UTC on Thursday is already Friday in Berlin.
      slot('2026-11-19T23:30:00Z'),
      // Outside the week.
      slot('2026-11-23T08:00:00+01:00'),
      slot('2026-11-15T08:00:00+01:00'),
    ]);
    expect(cols.map((c) => c.day)).toEqual([
      '2026-11-16',
      '2026-11-17',
      '2026-11-18',
      '2026-11-19',
      '2026-11-20',
      '2026-11-21',
      '2026-11-22',
    ]);
    expect(cols.map((c) => c.slots.length)).toEqual([1, 0, 2, 0, 1, 0, 0]);
    expect(cols[2].slots.map((s) => s.start)).toEqual(['2026-11-18T08:00:00+01:00', '2026-11-18T08:15:00+01:00']);
  });

  it('handles the week clocks go forward (Sunday 2027-03-28)', () => {
    const cols = weekColumns('2027-03-22', [
      slot('2027-03-22T08:00:00+01:00'),
      // Saturday 23:30 UTC is Sunday 00:30 CET.
      slot('2027-03-27T23:30:00Z'),
      // Sunday 03:30 CEST, just after the jump.
      slot('2027-03-28T03:30:00+02:00'),
      // Sunday 22:30 UTC is Monday 00:30 CEST: next week.
      slot('2027-03-28T22:30:00Z'),
      slot('2027-03-29T08:00:00+02:00'),
    ]);
    expect(cols[0].day).toBe('2027-03-22');
    expect(cols[6].day).toBe('2027-03-28');
    expect(cols.map((c) => c.slots.length)).toEqual([1, 0, 0, 0, 0, 0, 2]);

    const next = weekColumns('2027-03-29', [slot('2027-03-28T22:30:00Z'), slot('2027-03-29T08:00:00+02:00')]);
    expect(next[0].day).toBe('2027-03-29');
    expect(next[0].slots).toHaveLength(2);
    expect(slotDay(slot('2027-03-29T08:00:00+02:00'))).toBe('2027-03-29');
  });

  it('marks closed days with their reason and past days', () => {
    const calendar: CalendarDay[] = [
      { day: '2026-11-16', openings: [{ start: '08:00', end: '16:00' }], closed: false, reason: '' },
      { day: '2026-11-18', openings: [], closed: true, reason: 'Buß- und Bettag' },
      { day: '2026-11-21', openings: null, closed: true, reason: '' },
      { day: '2026-11-22', openings: [], closed: false },
    ];
    const cols = weekColumns('2026-11-16', [], calendar, '2026-11-17');
    expect(cols.map((c) => [c.closed, c.reason, c.past])).toEqual([
      [false, '', true],
      [false, '', false],
      [true, 'Buß- und Bettag', false],
      [false, '', false],
      [false, '', false],
      [true, '', false],
      [true, '', false],
    ]);
    expect(de.booking.closed(cols[2].reason)).toBe('geschlossen – Buß- und Bettag');
    expect(de.booking.closed(cols[5].reason)).toBe('geschlossen');
  });
});

describe('earliest slot', () => {
  it('is the first in time, whatever the order', () => {
    expect(earliest([slot('2026-11-18T09:00:00+01:00'), slot('2026-11-18T07:15:00Z')])?.start).toBe('2026-11-18T07:15:00Z');
    expect(earliest([])).toBeUndefined();
  });

  it.each([
    ['winter', '2026-11-18T08:15:00+01:00', 'Frühester Termin: Mi., 18.11.2026, 08:15 Uhr'],
    ['given in UTC', '2026-11-18T07:15:00Z', 'Frühester Termin: Mi., 18.11.2026, 08:15 Uhr'],
    ['first Monday of summer time', '2027-03-29T08:00:00+02:00', 'Frühester Termin: Mo., 29.03.2027, 08:00 Uhr'],
    ['the Sunday of the change', '2027-03-28T01:30:00Z', 'Frühester Termin: So., 28.03.2027, 03:30 Uhr'],
    ['New Year', '2026-12-31T23:05:00Z', 'Frühester Termin: Fr., 01.01.2027, 00:05 Uhr'],
  ])('reads "%s"', (_name, start, want) => {
    expect(de.booking.earliest(formatSlot(start))).toBe(want);
  });

  it('is empty for no time', () => {
    expect(formatSlot('')).toBe('');
  });
});

describe('formatSlotRange', () => {
  it('writes start and end once with "Uhr"', () => {
    expect(formatSlotRange('2026-11-18T08:20:00+01:00', '2026-11-18T08:40:00+01:00')).toBe('Mi., 18.11.2026, 08:20–08:40 Uhr');
    expect(formatSlotRange('2026-11-18T08:20:00+01:00')).toBe('Mi., 18.11.2026, 08:20 Uhr');
  });
});
