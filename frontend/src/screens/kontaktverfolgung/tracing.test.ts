import { describe, expect, it } from 'vitest';
import { stayTimes } from './tracing';

describe('stay times', () => {
  it('shows the clock on the stay’s own day', () => {
    expect(stayTimes({ from: '2026-12-05T09:14:00+01:00', to: '2026-12-05T10:02:00+01:00' })).toEqual({
      from: '09:14',
      to: '10:02',
    });
  });
  it('adds the day when the stay runs into another', () => {
    expect(stayTimes({ from: '2026-12-04T23:30:00+01:00', to: '2026-12-05T00:20:00+01:00' })).toEqual({
      from: '23:30',
      to: '05.12. 00:20',
    });
  });
});
