import { afterEach, describe, expect, it, vi } from 'vitest';
import { serverNow, serverToday, syncClock } from './clock';

afterEach(() => {
  vi.useRealTimers();
  syncClock(undefined);
});

describe('server clock', () => {
  it("follows the server's now, not the browser's", () => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date('2030-06-01T10:00:00Z'));
    syncClock('2026-11-18T08:05:00+01:00');
    expect(serverToday()).toBe('2026-11-18');
    vi.advanceTimersByTime(60_000);
    expect(serverNow().toISOString()).toBe('2026-11-18T07:06:00.000Z');
  });

  it("uses the browser's clock without a server time", () => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date('2030-06-01T22:30:00Z'));
    syncClock(undefined);
    expect(serverToday()).toBe('2030-06-02');
    syncClock('kaputt');
    expect(serverNow().toISOString()).toBe('2030-06-01T22:30:00.000Z');
  });
});
