import { describe, expect, it } from 'vitest';
import { berlinDay, formatLongDay, formatTime, instant } from './time';

describe('formatTime', () => {
  it.each<[string, string | null | undefined, string]>([
    ['offset time in summer', '2025-07-01T10:05:00+02:00', '10:05'],
    ['UTC in winter is one hour later', '2025-11-21T13:45:00Z', '14:45'],
    ['UTC in summer is two hours later', '2025-07-01T06:00:00Z', '08:00'],
    ['last minute of winter time', '2025-03-30T00:59:00Z', '01:59'],
    ['first minute of summer time', '2025-03-30T01:00:00Z', '03:00'],
    ['other offsets are converted', '2025-11-21T08:00:00-05:00', '14:00'],
    ['midnight is 00, not 24', '2025-11-20T23:00:00Z', '00:00'],
    ['empty', '', ''],
    ['absent', undefined, ''],
    ['null', null, ''],
    ["Go's zero time", '0001-01-01T00:00:00Z', ''],
    ['garbage', 'gestern', ''],
  ])('%s', (_name, input, want) => {
    expect(formatTime(input)).toBe(want);
  });
});

describe('berlinDay', () => {
  it.each([
    ['late evening UTC is already tomorrow in Berlin', '2025-11-21T23:30:00Z', '2025-11-22'],
    ['summer: 22:00 UTC is midnight in Berlin', '2025-07-01T22:00:00Z', '2025-07-02'],
    ['summer: 21:59 UTC is still today', '2025-07-01T21:59:00Z', '2025-07-01'],
    ['new year', '2025-12-31T23:00:00Z', '2026-01-01'],
  ])('%s', (_name, input, want) => {
    expect(berlinDay(new Date(input))).toBe(want);
  });
});

describe('formatLongDay', () => {
  it('writes the German weekday and month', () => {
    expect(formatLongDay(new Date('2025-11-21T12:00:00Z'))).toBe('Freitag, 21. November 2025');
  });
});

describe('instant', () => {
  it('sorts unset times last', () => {
    expect(instant('')).toBe(Number.POSITIVE_INFINITY);
    expect(instant('2025-11-21T13:45:00+01:00')).toBe(Date.parse('2025-11-21T12:45:00Z'));
  });
});
