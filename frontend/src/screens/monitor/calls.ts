// What the call-up monitor shows from the calls it knows (newest first):
// the newest big, below it the tickets called before, each ticket once.

import type { Call } from '../../lib/api';
import { instant } from '../../lib/time';

/** Two reports of the same call (list load and stream) are one. */
export function sameCall(a: Call, b: Call): boolean {
  return a.appointment_id === b.appointment_id && a.at === b.at && a.counter === b.counter;
}

/**
 * Adds a list of calls (GET /api/calls, newest first) to those known,
 * newest first, without duplicates, at most `keep`. Times have whole
 * seconds, so two calls can share one: then the list's order counts.
 */
export function mergeCalls(known: readonly Call[], incoming: readonly Call[], keep = 50): Call[] {
  const all = [...incoming];
  for (const c of known) if (!all.some((k) => sameCall(k, c))) all.push(c);
  // A stable sort: equal times keep the list's order.
  return all.sort((a, b) => instant(b.at) - instant(a.at)).slice(0, keep);
}

/** A call from the stream is the newest, whatever its time says. */
export function addCall(known: readonly Call[], c: Call, keep = 50): Call[] {
  return [c, ...known.filter((k) => !sameCall(k, c))].slice(0, keep);
}

/** The current call and up to `n` earlier ones, each ticket only with its newest call. */
export function board(calls: readonly Call[], n: number): { current?: Call; previous: Call[] } {
  const [current, ...rest] = calls;
  const seen = new Set(current ? [current.ticket] : []);
  const previous: Call[] = [];
  for (const c of rest) {
    if (previous.length >= n) break;
    if (seen.has(c.ticket)) continue;
    seen.add(c.ticket);
    previous.push(c);
  }
  return { current, previous };
}
