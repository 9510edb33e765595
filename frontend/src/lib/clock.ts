// The server's clock, as the screens need it for "today". The appliance's
// rules run on the server's clock (which a test may start at a fixed
// instant), and a desk PC's clock may be off: so "today" is the server's
// today. GET /api/health carries "now"; the difference to this browser's
// clock is kept, so the server's time can be read later without asking.
//
// One offset for the whole page is the point of this module, so it is
// module state on purpose.

import { berlinDay } from './time';

let offsetMs = 0;

/** Takes the server's "now" (RFC 3339) from GET /api/health; without it the browser's clock is used. */
export function syncClock(now: string | undefined, receivedAt: number = Date.now()): void {
  const t = now ? Date.parse(now) : NaN;
  offsetMs = Number.isNaN(t) ? 0 : t - receivedAt;
}

/** The server's current time. */
export function serverNow(): Date {
  return new Date(Date.now() + offsetMs);
}

/** The server's today in Berlin, YYYY-MM-DD. */
export function serverToday(): string {
  return berlinDay(serverNow());
}
