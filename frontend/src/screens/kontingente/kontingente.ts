// The arithmetic of the Kontingente screen, kept out of the component so it
// can be tested: the server checks the same rules again (app/allotments.go).

import type { AllotmentUpdate, BuildingAllotment } from '../../lib/api.tokens';
import { sites } from '../../lib/messages.sites';

/** What the admin is editing for one building. */
export interface Draft {
  home_site: string;
  /** Percent per site other than the home site; 0 for none. */
  percents: Record<string, number>;
  token_minutes: number;
}

/** The editable copy of a building's settings. */
export function draftOf(b: BuildingAllotment): Draft {
  return { home_site: b.home_site, percents: { ...b.allotments }, token_minutes: b.token_minutes };
}

/** A percentage as typed: a whole number, empty or unreadable counts as 0. */
export function percentOf(v: unknown): number {
  const n = typeof v === 'number' ? v : Number.parseInt(String(v ?? ''), 10);
  return Number.isFinite(n) ? Math.trunc(n) : 0;
}

/** The sites that get a row: every known site but the home site, and any already allotted; by name. */
export function otherSites(d: Draft, sites: readonly string[]): string[] {
  const all = new Set([...sites, ...Object.keys(d.percents)]);
  all.delete(d.home_site);
  all.delete('');
  return [...all].sort((a, b) => a.localeCompare(b));
}

/** The share the home site keeps: 100 minus what the other sites get (may go below 0 while typing). */
export function homeShare(d: Draft): number {
  let rest = 100;
  for (const [site, p] of Object.entries(d.percents)) {
    if (site !== d.home_site) rest -= Math.max(0, percentOf(p));
  }
  return rest;
}

/**
 * The body of the PUT: only sites with a share, never the home site. A
 * default home site (saved.home_site_default) left as it is is not sent,
 * so that it stays the default and follows the building's sites; choosing
 * it in the list would otherwise pin it.
 */
export function updateOf(d: Draft, saved?: BuildingAllotment): AllotmentUpdate {
  const allotments: Record<string, number> = {};
  for (const [site, p] of Object.entries(d.percents)) {
    const n = percentOf(p);
    if (site !== d.home_site && n !== 0) allotments[site] = n;
  }
  const u: AllotmentUpdate = { allotments, token_minutes: percentOf(d.token_minutes) };
  if (!(saved?.home_site_default && d.home_site === saved.home_site)) u.home_site = d.home_site;
  return u;
}

/** The note under the home site when it is the default one; "" when the admin chose it. */
export function homeDefaultNote(b: BuildingAllotment): string {
  if (!b.home_site_default) return '';
  return b.home_site ? sites.homeDefault(b.home_site) : sites.homeDefaultNone;
}

/** Whether the draft differs from what is saved. */
export function changed(d: Draft, saved: BuildingAllotment): boolean {
  const u = updateOf(d);
  const a = Object.entries(u.allotments ?? {}).sort();
  const b = Object.entries(saved.allotments).filter(([, n]) => n !== 0).sort();
  return d.home_site !== saved.home_site || u.token_minutes !== saved.token_minutes || JSON.stringify(a) !== JSON.stringify(b);
}
