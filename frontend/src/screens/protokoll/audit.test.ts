import { describe, expect, it } from 'vitest';
import { formatAt, rangeProblem, routeLabel } from './audit';

describe('audit time', () => {
  it('reads to the second, in Berlin', () => {
    expect(formatAt('2026-12-05T08:14:27Z')).toBe('05.12.2026, 09:14:27');
    expect(formatAt('')).toBe('');
  });
});

describe('day range', () => {
  it('takes open ends and a proper range', () => {
    expect(rangeProblem('', '')).toBeNull();
    expect(rangeProblem('2026-12-01', '')).toBeNull();
    expect(rangeProblem('2026-12-01', '2026-12-01')).toBeNull();
    expect(rangeProblem('2026-11-30', '2026-12-01')).toBeNull();
  });
  it('refuses an end before the beginning', () => {
    expect(rangeProblem('2026-12-02', '2026-12-01')).toEqual({ field: 'to', problem: 'order' });
  });
  it('refuses what is not a day', () => {
    expect(rangeProblem('1.12.2026', '')).toEqual({ field: 'from', problem: 'format' });
    expect(rangeProblem('', '2026-12')).toEqual({ field: 'to', problem: 'format' });
  });
});

describe('route labels', () => {
  it('says what a route did', () => {
    expect(routeLabel('GET /api/contact-tracing')).toBe('Kontaktverfolgung');
    expect(routeLabel('POST /api/personal-data/erase')).toBe('Löschung auf Antrag');
    expect(routeLabel('GET /api/unknown')).toBe('GET /api/unknown');
  });
});
