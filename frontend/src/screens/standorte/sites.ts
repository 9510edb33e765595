// The rules of the enrolled-sites part of the Standorte screen that need no
// DOM: the order of the rows, what each row's status says, the invitation
// states, the revoke form's prefill and checks. The server checks the same
// again (a site name, a building, last_seq, a reason); these only let the
// form say what is missing before the round trip.

import type { RefusedOp, SiteInvitation, SiteRow, Sites } from '../../lib/api/sites';
import { sites as t } from '../../lib/messages.sites';
import { IGNORED_ORIGINS } from '../../lib/sync';
import { berlinDay, formatDay, formatSlot, formatTime, instant } from '../../lib/time';

/** The server's limit of a site name (engine.MaxIDLen). */
export const MAX_SITE_LEN = 100;

/** A form error for one field ("" for the whole form). */
export interface FieldError {
  field: string;
  message: string;
}

/** "Mi., 18.11.2026, 08:15 Uhr" in Berlin; "–" when unset. */
export function when(at: string | null | undefined): string {
  return formatSlot(at) || '–';
}

/** "18.11.2026 08:15" in Berlin, for table cells; "–" when unset. */
export function whenShort(at: string | null | undefined): string {
  const time = formatTime(at);
  return time ? `${formatDay(berlinDay(new Date(at as string)))} ${time}` : '–';
}

/**
 * A fingerprint as shown: plain hex in groups of four, so that it can be
 * read out and compared over the phone; anything else (already grouped,
 * with colons) as the server sent it.
 */
export function formatFingerprint(fp: string): string {
  const s = fp.trim();
  if (!/^[0-9a-fA-F]+$/.test(s)) return s;
  return s.toLowerCase().replace(/(.{4})(?=.)/g, '$1 ');
}

/** The founding site first, then by the time they joined, then by name; the demo data's origin is nobody's site. */
export function sortedSites(s: Sites): SiteRow[] {
  return s.sites
    .filter((r) => !IGNORED_ORIGINS.includes(r.site))
    .sort(
      (a, b) =>
        Number(b.site === s.root) - Number(a.site === s.root) ||
        instant(a.enrolled_at) - instant(b.enrolled_at) ||
        a.site.localeCompare(b.site),
    );
}

/** A site can be revoked once, and never by itself. */
export function canRevoke(row: SiteRow, self: string): boolean {
  return row.revoked === null && row.site !== self;
}

/** "aktiv", or "widerrufen ab Nr. 42: Grund" (42: the first change no longer taken). */
export function siteStatusText(row: SiteRow): string {
  if (!row.revoked) return t.active;
  return t.revoked(row.revoked.last_seq + 1, row.revoked.reason);
}

/** The buildings a site is the home site of, by name, or "–". */
export function homeOfText(homeOf: readonly string[] | null, buildingName: (id: string) => string): string {
  const names = (homeOf ?? []).map(buildingName);
  return names.length > 0 ? names.join(', ') : t.homeNone;
}

/** A person as the lists show them: their name when known, else the id. */
export function personName(id: string, names: ReadonlyMap<string, string>): string {
  return names.get(id) ?? id;
}

/** What this site holds of the site's own changes: the revoke form's last_seq to start from. */
export function revokePrefill(vector: Readonly<Record<string, number>> | null | undefined, site: string): number {
  const n = vector?.[site];
  return typeof n === 'number' && Number.isFinite(n) && n > 0 ? Math.trunc(n) : 0;
}

/** last_seq as typed: a whole number from 0, or null. */
export function parseSeq(v: unknown): number | null {
  if (typeof v === 'number') return Number.isInteger(v) && v >= 0 ? v : null;
  const s = String(v ?? '').trim();
  return /^[0-9]+$/.test(s) ? Number(s) : null;
}

/** The revoke form's first problem, or null. */
export function checkRevoke(d: { last_seq: unknown; reason: string }): FieldError | null {
  if (parseSeq(d.last_seq) === null) return { field: 'last_seq', message: t.revokeDialog.lastSeqInvalid };
  if (!d.reason.trim()) return { field: 'reason', message: t.revokeDialog.reasonMissing };
  return null;
}

/** The invite form's first problem, or null. */
export function checkInvite(site: string, building: string): FieldError | null {
  const s = site.trim();
  if (!s) return { field: 'site', message: t.invite.siteMissing };
  if (/[\s\p{Cc}]/u.test(s)) return { field: 'site', message: t.invite.siteSpaces };
  if (new TextEncoder().encode(s).length > MAX_SITE_LEN) return { field: 'site', message: t.invite.siteTooLong(MAX_SITE_LEN) };
  if (!building) return { field: 'building', message: t.invite.buildingMissing };
  return null;
}

export type InvitationState = 'pending' | 'expired' | 'used';

export function invitationState(inv: SiteInvitation, now: Date): InvitationState {
  if (inv.used_at) return 'used';
  return instant(inv.expires_at) > now.getTime() ? 'pending' : 'expired';
}

export function invitationText(inv: SiteInvitation, now: Date): string {
  switch (invitationState(inv, now)) {
    case 'used':
      return inv.used_at ? t.invite.usedAt(when(inv.used_at)) : t.invite.used;
    case 'pending':
      return t.invite.pending(when(inv.expires_at));
    case 'expired':
      return t.invite.expired(when(inv.expires_at));
  }
}

/** Open invitations first, then the newest. */
export function sortedInvitations(list: readonly SiteInvitation[], now: Date): SiteInvitation[] {
  const open = (i: SiteInvitation) => Number(invitationState(i, now) === 'pending');
  return [...list].sort((a, b) => open(b) - open(a) || Date.parse(b.created_at) - Date.parse(a.created_at) || a.site.localeCompare(b.site));
}

/** Newest first. */
export function sortedRefused(list: readonly RefusedOp[]): RefusedOp[] {
  return [...list].sort((a, b) => Date.parse(b.at) - Date.parse(a.at) || a.origin.localeCompare(b.origin) || b.seq - a.seq);
}

/** The error of a failed call as the form shows it: beside its field when it is one of the form's, else for the whole form. */
export function fieldError(err: { field?: string } | unknown, message: string, fields: readonly string[]): FieldError {
  const f = (err as { field?: unknown } | null)?.field;
  return { field: typeof f === 'string' && fields.includes(f) ? f : '', message };
}
