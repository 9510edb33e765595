// The retention form's rules that need no server: a draft of text fields
// (as the inputs hold them) and the rule it sends. The server checks the
// range again and names the field it refuses.

import type { Retention } from '../../lib/api/privacy';

export const RETENTION_FIELDS = ['visit_days', 'appointment_days', 'audit_days'] as const;
export type RetentionField = (typeof RETENTION_FIELDS)[number];

/** The inputs' values (a number input bound in Svelte holds a number, or null when empty or not a number). */
export type RetentionDraft = Record<RetentionField, string | number | null>;

export function draftOf(r: Retention): RetentionDraft {
  return { visit_days: String(r.visit_days), appointment_days: String(r.appointment_days), audit_days: String(r.audit_days) };
}

/**
 * The rule to send. A field that is not a whole number is sent as 0, so the
 * server answers with its field error (one place decides what is valid).
 */
export function ruleOf(d: RetentionDraft): Retention {
  const n = (v: string | number | null) => (/^\s*\d+\s*$/.test(String(v ?? '')) ? Number(v) : 0);
  return { visit_days: n(d.visit_days), appointment_days: n(d.appointment_days), audit_days: n(d.audit_days) };
}

export function retentionChanged(d: RetentionDraft, saved: Retention): boolean {
  const r = ruleOf(d);
  return RETENTION_FIELDS.some((f) => r[f] !== saved[f]);
}

/** Whether a hold is in force, lifted, or past its end. */
export function holdState(h: { active: boolean; lifted: boolean }): 'active' | 'lifted' | 'expired' {
  if (h.lifted) return 'lifted';
  return h.active ? 'active' : 'expired';
}

/** Roles that may change the rules and run the purge; only privacy places and lifts holds. */
export function mayEditRetention(roles: readonly string[]): boolean {
  return roles.includes('admin') || roles.includes('datenschutz');
}

export function mayManageHolds(roles: readonly string[]): boolean {
  return roles.includes('datenschutz');
}

/** Roles that may see the holds (the server's GET /api/holds): the management reads the rules only. */
export function mayReadHolds(roles: readonly string[]): boolean {
  return roles.includes('datenschutz') || roles.includes('admin');
}
