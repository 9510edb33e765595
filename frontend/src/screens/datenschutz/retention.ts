// The retention form's rules that need no server: a draft of text fields
// (as the inputs hold them) and the rule it sends. The server checks the
// range again and names the field it refuses.

import type { Retention } from '../../lib/api/privacy';

export const RETENTION_FIELDS = ['visit_days', 'appointment_days', 'audit_days'] as const;
export type RetentionField = (typeof RETENTION_FIELDS)[number];
/** Contact tracing's margin, in minutes, set in the same form. */
export const MARGIN_FIELD = 'tracing_margin_minutes';
/** The desks' idle lock, in minutes, set in the same form. */
export const IDLE_FIELD = 'idle_lock_minutes';
/** Every field of the form, as the server names them in its errors. */
export const FORM_FIELDS: readonly string[] = [...RETENTION_FIELDS, MARGIN_FIELD, IDLE_FIELD];

/** The inputs' values (a number input bound in Svelte holds a number, or null when empty or not a number). */
export type RetentionDraft = Record<RetentionField | typeof MARGIN_FIELD | typeof IDLE_FIELD, string | number | null>;

export function draftOf(r: Retention): RetentionDraft {
  return {
    visit_days: String(r.visit_days),
    appointment_days: String(r.appointment_days),
    audit_days: String(r.audit_days),
    tracing_margin_minutes: String(r.tracing_margin_minutes),
    idle_lock_minutes: String(r.idle_lock_minutes),
  };
}

/**
 * The rule to send. A field that is not a whole number is sent out of range
 * (0 days, -1 minutes: 0 minutes means the default), so the server answers
 * with its field error (one place decides what is valid).
 */
export function ruleOf(d: RetentionDraft): Retention {
  const whole = (v: string | number | null) => /^\s*\d+\s*$/.test(String(v ?? ''));
  const n = (v: string | number | null) => (whole(v) ? Number(v) : 0);
  return {
    visit_days: n(d.visit_days),
    appointment_days: n(d.appointment_days),
    audit_days: n(d.audit_days),
    tracing_margin_minutes: whole(d.tracing_margin_minutes) ? Number(d.tracing_margin_minutes) : -1,
    idle_lock_minutes: whole(d.idle_lock_minutes) ? Number(d.idle_lock_minutes) : -1,
  };
}

export function retentionChanged(d: RetentionDraft, saved: Retention): boolean {
  const r = ruleOf(d);
  return (
    RETENTION_FIELDS.some((f) => r[f] !== saved[f]) ||
    r.tracing_margin_minutes !== saved.tracing_margin_minutes ||
    r.idle_lock_minutes !== saved.idle_lock_minutes
  );
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
