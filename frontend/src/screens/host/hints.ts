// The host's desk between a visit hint and its visit. Another site's
// reception registered a visitor for this host; its gossip hint (ids only)
// arrives before the op, so the desk rings at once and shows a placeholder
// card until the visit itself arrives (by the stream or a list reload). A
// placeholder whose visit never comes goes away quietly after HINT_TTL_MS.
import type { Visit, VisitHint } from '../../lib/api';

export type { VisitHint } from '../../lib/api';

/** A hinted visit not here yet, since `since` (ms, Date.now()). */
export interface Pending {
  id: string;
  origin: string;
  since: number;
}

/** A card on the desk: a visit, or the placeholder for a hinted one. */
export type Card = { kind: 'visit'; id: string; visit: Visit } | { kind: 'pending'; id: string; pending: Pending };

export const HINT_TTL_MS = 30_000;
export const PENDING_TEXT = 'Besuch angemeldet am Eingang – Daten folgen …';

/** Whether a visit event rings: a waiting visitor nobody answered yet, not rung before (by its hint either). */
export function visitRings(v: Visit, announced: ReadonlySet<string>): boolean {
  return v.status === 'waiting' && !v.coming_by && !announced.has(v.id);
}

/**
 * Takes a hint: the placeholders afterwards and whether to ring. A hint for
 * another host, for a visit already here, or one already pending or rung
 * (Serf may replay it) changes nothing.
 */
export function takeHint(
  pending: readonly Pending[],
  h: VisitHint,
  host: string,
  visits: readonly Visit[],
  announced: ReadonlySet<string>,
  now: number,
): { pending: Pending[]; ring: boolean } {
  const known = visits.some((v) => v.id === h?.id) || pending.some((p) => p.id === h?.id) || announced.has(h?.id);
  if (!h?.id || h.host !== host || known) return { pending: [...pending], ring: false };
  return { pending: [...pending, { id: h.id, origin: h.origin, since: now }], ring: true };
}

/** The placeholders still waiting: without a visit of theirs and younger than ttl. */
export function settle(pending: readonly Pending[], visitIds: Iterable<string>, now: number, ttl = HINT_TTL_MS): Pending[] {
  const here = new Set(visitIds);
  return pending.filter((p) => !here.has(p.id) && now - p.since < ttl);
}

/** The desk's cards: the visits, then the placeholders of visits still to come. */
export function cards(visits: readonly Visit[], pending: readonly Pending[], now: number, ttl = HINT_TTL_MS): Card[] {
  return [
    ...visits.map((v): Card => ({ kind: 'visit', id: v.id, visit: v })),
    ...settle(
      pending,
      visits.map((v) => v.id),
      now,
      ttl,
    ).map((p): Card => ({ kind: 'pending', id: p.id, pending: p })),
  ];
}
