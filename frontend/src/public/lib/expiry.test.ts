import { describe, expect, it } from 'vitest';
import { minutesLeft } from './expiry';

describe('minutesLeft', () => {
  const now = new Date('2026-12-05T12:00:00Z');
  const cases: [string, string, number][] = [
    ['30 minutes', '2026-12-05T12:30:00Z', 30],
    ['30 minutes and a few seconds of latency', '2026-12-05T12:29:40Z', 30],
    ['the offset form of the same instant', '2026-12-05T13:30:00+01:00', 30],
    ['under a minute still says 1', '2026-12-05T12:00:20Z', 1],
    ['passed', '2026-12-05T11:59:00Z', 0],
    ['not a time', 'bald', 0],
  ];
  for (const [name, at, want] of cases) {
    it(name, () => expect(minutesLeft(at, now)).toBe(want));
  }
});
