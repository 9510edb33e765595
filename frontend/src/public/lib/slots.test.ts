import { describe, expect, it } from 'vitest';
import { dayTickets, earliestRegular, formatDayLong, formatStart, groupByDay } from './slots';
import type { Slot } from '../api';

const slot = (start: string, day_ticket = false): Slot => ({ start, end: start, day_ticket });

describe('groupByDay', () => {
  it('groups by the Berlin calendar day, not the UTC one', () => {
    const got = groupByDay([
      // 23:30 UTC on the 7th is 00:30 on the 8th in Berlin (winter, +01:00).
      slot('2026-12-07T23:30:00Z'),
      slot('2026-12-07T08:30:00+01:00'),
      // 22:30 UTC on the 6th of July is 00:30 on the 7th (summer, +02:00).
      slot('2026-07-06T22:30:00Z'),
    ]);
    expect([...got.keys()]).toEqual(['2026-07-07', '2026-12-07', '2026-12-08']);
    expect(got.get('2026-12-08')).toHaveLength(1);
  });

  it('keeps each day in start order whatever the input order', () => {
    const got = groupByDay([slot('2026-12-08T11:00:00+01:00'), slot('2026-12-08T09:00:00+01:00'), slot('2026-12-08T10:00:00+01:00')]);
    expect(got.get('2026-12-08')!.map((s) => s.start)).toEqual([
      '2026-12-08T09:00:00+01:00',
      '2026-12-08T10:00:00+01:00',
      '2026-12-08T11:00:00+01:00',
    ]);
  });

  it('counts the DST night once', () => {
    // 25 October 2026: 02:30 happens twice (+02:00, then +01:00).
    const got = groupByDay([slot('2026-10-25T02:30:00+02:00'), slot('2026-10-25T02:30:00+01:00')]);
    expect([...got.keys()]).toEqual(['2026-10-25']);
    expect(got.get('2026-10-25')).toHaveLength(2);
  });
});

describe('earliest and day tickets', () => {
  const slots = [slot('2026-12-05T10:40:00+01:00', true), slot('2026-12-08T09:30:00+01:00'), slot('2026-12-07T13:00:00+01:00')];

  it('offers the earliest slot that is not a day ticket', () => {
    expect(earliestRegular(slots)?.start).toBe('2026-12-07T13:00:00+01:00');
    expect(earliestRegular([slot('2026-12-05T10:40:00+01:00', true)])).toBeNull();
    expect(earliestRegular([])).toBeNull();
  });

  it('lists the day tickets apart', () => {
    expect(dayTickets(slots).map((s) => s.start)).toEqual(['2026-12-05T10:40:00+01:00']);
  });
});

describe('formatting', () => {
  it('says the next free time the way people say it', () => {
    expect(formatStart('2026-12-08T09:30:00+01:00', new Date('2026-12-05T12:00:00Z'))).toBe('Dienstag, 8. Dezember, 09:30 Uhr');
    // Another year: with the year.
    expect(formatStart('2027-01-04T08:30:00+01:00', new Date('2026-12-05T12:00:00Z'))).toBe('Montag, 4. Januar 2027, 08:30 Uhr');
  });

  it('names a day in full', () => {
    expect(formatDayLong('2026-12-08')).toBe('Dienstag, 8. Dezember 2026');
  });
});
