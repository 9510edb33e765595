// The rules of the E-Mail & Online-Termine screen, kept out of the component
// so they can be tested: the body the mail form saves (the password is
// write-only), the status line, the outbox's German words and times, the
// body of a building's online rules, and which field an error belongs to.
// The server checks every field again (engine.MailConfig.Normalize,
// engine.Building.Validate); the bounds here only shape the inputs.

import { ApiError } from '../../lib/api/client';
import type { MailSettings, MailSettingsUpdate, OnlineRules, OutboxEntry, OutboxStatus } from '../../lib/api/mail';
import { errorMessage } from '../../lib/messages';
import { online as t } from '../../lib/messages.online';
import { berlinDay, formatDay, formatTime } from '../../lib/time';

/** engine.DefaultConfirmMinutes, engine.MaxConfirmMinutes (0 in the API means the default). */
export const CONFIRM_MINUTES = { min: 1, max: 24 * 60, def: 30 } as const;
/** engine.DefaultMaxActivePerEmail, engine.MaxActivePerEmailLimit. */
export const MAX_ACTIVE = { min: 1, max: 50, def: 3 } as const;
/** engine.MaxPrivacyNoticeLen */
export const PRIVACY_MAX = 20000;
/** engine.MailConfig: smtp_server, from and username; the password (store.ConfigureMail). */
export const SMTP_SERVER_MAX = 255;
export const EMAIL_MAX = 254;
export const PASSWORD_MAX = 1024;

/** The outbox filter's choices, in the order of the counts. */
export const OUTBOX_STATUSES: readonly OutboxStatus[] = ['queued', 'failed', 'sent', 'dropped'];

// ---- E-Mail-Versand ----

/** The mail form as typed. The password is never filled in from the server. */
export interface MailForm {
  smtp_server: string;
  from: string;
  username: string;
  password: string;
  /** Remove the password this site holds (only offered when one is set). */
  removePassword: boolean;
  starttls: boolean;
}

/** The form from the settings: the cluster's configuration, STARTTLS on before any. */
export function mailFormOf(s: MailSettings): MailForm {
  const c = s.configured ? s.config : undefined;
  return {
    smtp_server: c?.smtp_server ?? '',
    from: c?.from ?? '',
    username: c?.username ?? '',
    password: '',
    removePassword: false,
    starttls: c ? c.starttls : true,
  };
}

/**
 * The PUT body. The password goes only when typed ("keep" is leaving it
 * out) or, to remove the stored one, as "".
 */
export function mailBodyOf(f: MailForm, passwordSet: boolean): MailSettingsUpdate {
  const body: MailSettingsUpdate = {
    smtp_server: f.smtp_server.trim(),
    from: f.from.trim(),
    username: f.username.trim(),
    starttls: f.starttls,
  };
  if (passwordSet && f.removePassword) body.password = '';
  else if (f.password !== '') body.password = f.password;
  return body;
}

/** How the status line looks: not set up, sending here, another site sends, or waiting for a hand-over. */
export type MailTone = 'none' | 'here' | 'other' | 'waiting';

export interface MailStatus {
  tone: MailTone;
  text: string;
}

/** "Dieser Standort versendet" / "Versand über Standort X", and whom it waits for. */
export function mailStatus(s: MailSettings): MailStatus {
  if (!s.configured || !s.mail_site) return { tone: 'none', text: t.notConfigured };
  const here = s.mail_site === s.this_site;
  const head = here ? t.sendsHere : t.sendsVia(s.mail_site);
  const awaiting = s.awaiting_release ?? [];
  // Here and not allowed to send: some hand-over is still open, named or not.
  if (awaiting.length > 0 || (here && !s.may_send)) {
    return { tone: 'waiting', text: `${head} – ${t.awaiting(awaiting)}` };
  }
  return { tone: here ? 'here' : 'other', text: head };
}

/** The note above the save button: saving makes this site the one that sends. */
export function takeOverNote(s: MailSettings): string {
  if (!s.configured || !s.mail_site) return t.takeOver(s.this_site);
  if (s.mail_site === s.this_site) return t.takeOverSame(s.this_site);
  return t.takeOverFrom(s.this_site, s.mail_site);
}

/** What a successful save says, from the settings it answered. */
export function savedText(s: MailSettings): string {
  return s.may_send ? t.savedHere : t.savedWaiting(s.awaiting_release ?? []);
}

// ---- Postausgang ----

/** The German name of a mail's kind; an unknown (newer) kind is named as it is. */
export function kindLabel(kind: string): string {
  return t.kinds[kind] ?? t.unknownKind(kind);
}

export function statusLabel(status: string): string {
  return t.status[status] ?? status;
}

/** "18.11.2026, 08:15 Uhr" in Berlin; "" for a time not set. */
export function formatStamp(at: string | undefined): string {
  const time = formatTime(at);
  if (!time) return '';
  return t.stamp(formatDay(berlinDay(new Date(at!))), time);
}

/** When a mail that failed is tried again. */
export function nextAttemptText(e: OutboxEntry): string {
  const when = e.status === 'failed' ? formatStamp(e.next_attempt) : '';
  return when ? t.nextAttempt(when) : '';
}

/** When and by which site it went. */
export function sentText(e: OutboxEntry): string {
  const when = formatStamp(e.sent_at);
  if (!when) return '';
  return e.sent_by ? t.sentBy(when, e.sent_by) : when;
}

/** The line under a mail's status: when it went, or when it is tried again. */
export function statusDetail(e: OutboxEntry): string {
  return e.status === 'sent' ? sentText(e) : nextAttemptText(e);
}

/** The last error, or why the mail will never go. */
export function noteText(e: OutboxEntry): string {
  if (e.status === 'dropped' && e.dropped) return t.dropped[e.dropped] ?? e.dropped;
  return e.last_error ?? '';
}

// ---- Online-Termine ----

/** The rules form; a number field left empty is null (Svelte's bind:value). */
export interface RulesForm {
  confirm_minutes: number | null;
  max_active_per_email: number | null;
  reminder_day_before: boolean;
  privacy_notice: string;
}

export function rulesFormOf(r: OnlineRules): RulesForm {
  return {
    confirm_minutes: r.confirm_minutes,
    max_active_per_email: r.max_active_per_email,
    reminder_day_before: r.reminder_day_before,
    privacy_notice: r.privacy_notice ?? '',
  };
}

/** A field's complaint, under the field it names ("" for the whole form). */
export interface FieldError {
  field: string;
  message: string;
}

/**
 * The PUT body, or the first field that is no whole number (an empty
 * number field would otherwise be sent as null, which keeps the old value
 * without a word). Whether the number is in range the server says.
 */
export function rulesBodyOf(f: RulesForm): { body: OnlineRules } | { error: FieldError } {
  for (const field of ['confirm_minutes', 'max_active_per_email'] as const) {
    const n = f[field];
    if (typeof n !== 'number' || !Number.isInteger(n)) return { error: { field, message: t.numberMissing } };
  }
  return {
    body: {
      confirm_minutes: f.confirm_minutes!,
      max_active_per_email: f.max_active_per_email!,
      reminder_day_before: f.reminder_day_before,
      // The browser gives a textarea's line breaks as \n; a pasted \r\n is one break too.
      privacy_notice: f.privacy_notice.replace(/\r\n?/g, '\n'),
    },
  };
}

/** The form field a server's field name belongs to (the building's rules are "booking.…"). */
export function formField(apiField: string): string {
  return apiField.startsWith('booking.') ? apiField.slice('booking.'.length) : apiField;
}

const FORM_FIELDS = new Set([
  'smtp_server', 'from', 'username', 'password', 'starttls',
  'confirm_minutes', 'max_active_per_email', 'reminder_day_before', 'privacy_notice',
]);

/**
 * The complaint to show for a failed save: under the field the server
 * names, in words that say what is wanted; a field this screen does not
 * have (or none) is the whole form's.
 */
export function fieldError(err: unknown): FieldError {
  const field = err instanceof ApiError && err.code === 'invalid_field' ? formField(err.field) : '';
  if (!FORM_FIELDS.has(field)) return { field: '', message: errorMessage(err) };
  const own =
    t.mailErrors[field] ??
    (field === 'confirm_minutes'
      ? t.ruleErrors.confirm_minutes(CONFIRM_MINUTES.min, CONFIRM_MINUTES.max)
      : field === 'max_active_per_email'
        ? t.ruleErrors.max_active_per_email(MAX_ACTIVE.min, MAX_ACTIVE.max)
        : '');
  if (own) return { field, message: own };
  // The server's text names the field as the API spells it; say it in German.
  const apiField = (err as ApiError).field;
  const label = t.labels[field] ?? field;
  return { field, message: errorMessage(err).replaceAll(apiField, label) };
}

/** "12.345" */
export function formatCount(n: number): string {
  return n.toLocaleString('de-DE');
}
