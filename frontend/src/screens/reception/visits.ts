// Presentation helpers for lists of visits (no rules: the server decides
// who is present and what may happen to a visit).

import type { Visit } from '../../lib/api';
import { instant } from '../../lib/time';

/** Oldest arrival first, so who waits longest stands on top; ties by name. */
export function byArrival(visits: readonly Visit[] | null | undefined): Visit[] {
  return [...(visits ?? [])].sort(
    (a, b) => instant(a.arrived_at) - instant(b.arrived_at) || a.name.localeCompare(b.name, 'de'),
  );
}
