// What the desks make of GET /api/sync/status: the state of each other
// site, how long ago it was last replicated with, how far this site's copy
// of each site's changes goes, and whether this site is cut off from the
// others (the offline banner).
//
// "Offline" is a reading of the status the server reports, nothing more:
// the server books and registers the same either way and replicates later.
//
// Decided here, for a site that replicates:
// - No other site known (none joined yet, no seeds): a lone site, not
//   offline: there is nothing to be out of touch with.
// - Sites that left the cluster on purpose (status left or leaving) do not
//   count: when only such sites remain, the site is lone as well.
// - Otherwise offline when no other site is alive, or when none has been
//   replicated with successfully in the last 60 s (OFFLINE_AFTER_MS).
// A single site (replicating false) is never offline. A server that cannot
// be reached at all (the fetch fails) is "unreachable".

import { ApiError, type PeerStatus, type SyncPeer, type SyncStatus } from './api';
import { de } from './messages';

/** No successful replication for this long while other sites exist: offline. */
export const OFFLINE_AFTER_MS = 60_000;

/** Origins that are no site's work (the demo data every --demo server seeds) and are not shown. */
export const IGNORED_ORIGINS: readonly string[] = ['demo'];

/** The four states a desk tells apart; leaving counts as left. */
export type PeerState = 'alive' | 'failed' | 'left' | 'unknown';

export function peerState(status: PeerStatus | string): PeerState {
  switch (status) {
    case 'alive':
    case 'failed':
    case 'left':
      return status;
    case 'leaving':
      return 'left';
    default:
      return 'unknown';
  }
}

export function peerStateText(status: PeerStatus | string): string {
  return de.sync.states[peerState(status)];
}

/** The other sites that count for being online: all but those that left the cluster. */
export function activePeers(peers: readonly SyncPeer[] | null | undefined): SyncPeer[] {
  return (peers ?? []).filter((p) => peerState(p.status) !== 'left' && !IGNORED_ORIGINS.includes(p.site));
}

/** Milliseconds since an RFC 3339 time, never negative; null for never or an unreadable time. */
export function ageMs(since: string | null | undefined, now: Date): number | null {
  if (!since) return null;
  const t = Date.parse(since);
  if (Number.isNaN(t)) return null;
  return Math.max(0, now.getTime() - t);
}

/** "vor 3 s", "vor 2 Min.", "vor 1 Std.", "vor 2 Tagen", "noch nie". */
export function relativeTime(since: string | null | undefined, now: Date): string {
  const ms = ageMs(since, now);
  if (ms === null) return de.sync.never;
  const s = Math.floor(ms / 1000);
  if (s < 60) return de.sync.agoSeconds(s);
  const min = Math.floor(s / 60);
  if (min < 60) return de.sync.agoMinutes(min);
  const h = Math.floor(min / 60);
  if (h < 24) return de.sync.agoHours(h);
  return de.sync.agoDays(Math.floor(h / 24));
}

/**
 * single: no replication (one site on its own); lone: replication on but no
 * other site; online; offline: cut off from the other sites; unreachable:
 * the Pforte server itself does not answer; unknown: no answer yet, or an
 * error that says nothing about the connection.
 */
export type Connectivity = 'single' | 'lone' | 'online' | 'offline' | 'unreachable' | 'unknown';

/** The connectivity from the last poll: its status, or the error it failed with. */
export function connectivity(status: SyncStatus | null, error: unknown, now: Date): Connectivity {
  if (error) return error instanceof ApiError && error.code === 'network' ? 'unreachable' : 'unknown';
  if (!status) return 'unknown';
  if (!status.replicating) return 'single';
  const peers = activePeers(status.peers);
  if (peers.length === 0) return 'lone';
  if (!peers.some((p) => peerState(p.status) === 'alive')) return 'offline';
  const recent = peers.some((p) => {
    const age = ageMs(p.last_sync, now);
    return age !== null && age < OFFLINE_AFTER_MS;
  });
  return recent ? 'online' : 'offline';
}

/** The banner text for a connectivity; "" for none. */
export function bannerText(c: Connectivity): string {
  if (c === 'offline') return de.sync.offlineBanner;
  if (c === 'unreachable') return de.sync.unreachableBanner;
  return '';
}

/** One line of "Stand je Standort". */
export interface VectorEntry {
  origin: string;
  seq: number;
  own: boolean;
  /** The other site of that origin, when it is known. */
  peer?: SyncPeer;
}

/** This site's version vector without the ignored origins: its own first, then by name. */
export function vectorEntries(status: SyncStatus): VectorEntry[] {
  const peers = status.peers ?? [];
  return Object.entries(status.vector ?? {})
    .filter(([origin]) => !IGNORED_ORIGINS.includes(origin))
    .map(([origin, seq]) => ({ origin, seq, own: origin === status.site, peer: peers.find((p) => p.site === origin) }))
    .sort((a, b) => Number(b.own) - Number(a.own) || a.origin.localeCompare(b.origin));
}

/** Other sites sorted for the table: by site name, seeds without a name last. */
export function sortedPeers(peers: readonly SyncPeer[] | null | undefined): SyncPeer[] {
  return [...(peers ?? [])]
    .filter((p) => !IGNORED_ORIGINS.includes(p.site))
    .sort((a, b) => Number(a.site === '') - Number(b.site === '') || a.site.localeCompare(b.site) || a.addr.localeCompare(b.addr));
}

/** One origin in a peer's "Stand je Herkunft": how far it lags behind this site, and this site behind it. */
export interface LagEntry {
  origin: string;
  /** Changes of origin the peer lacks that this site holds. */
  behind: number;
  /** Changes of origin this site lacks that the peer had. */
  ahead: number;
}

/** A peer's lag per origin without the ignored origins, this site's first, then by name; null until a session. */
export function lagEntries(p: SyncPeer, site: string): LagEntry[] | null {
  if (!p.lag || !p.ahead) return null;
  const origins = new Set([...Object.keys(p.lag), ...Object.keys(p.ahead)]);
  return [...origins]
    .filter((o) => !IGNORED_ORIGINS.includes(o))
    .map((origin) => ({ origin, behind: p.lag?.[origin] ?? 0, ahead: p.ahead?.[origin] ?? 0 }))
    .sort((a, b) => Number(b.origin === site) - Number(a.origin === site) || a.origin.localeCompare(b.origin));
}

/** "aktuell", "3 Änderungen zurück", "hier fehlen 2 Änderungen" (both, joined, when both). */
export function lagText(e: LagEntry): string {
  const parts: string[] = [];
  if (e.behind > 0) parts.push(de.sync.lagBehind(e.behind));
  if (e.ahead > 0) parts.push(de.sync.lagAhead(e.ahead));
  return parts.length ? parts.join(', ') : de.sync.lagCurrent;
}
