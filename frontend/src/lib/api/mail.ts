// Mail to citizens and the rules of online booking (app/mail.go,
// app/online.go): which site sends and over which SMTP server, the outbox,
// and per building how long an unconfirmed booking holds its slot, how many
// bookings one address may hold, the reminder and the privacy notice. Part
// of the one API client (../api.ts): every call goes through its request().

import { query, request } from './client';

/** The cluster's mail configuration (engine.MailConfig); never the password. */
export interface MailConfig {
  /** The mail site: the one site that sends for all. */
  site: string;
  /** host:port */
  smtp_server: string;
  from: string;
  username?: string;
  starttls: boolean;
}

/** The outbox counted by status (store.OutboxCounts). */
export interface OutboxCounts {
  queued: number;
  failed: number;
  sent: number;
  dropped: number;
}

/** GET /api/settings/mail: the configuration as this site sees it. */
export interface MailSettings {
  configured: boolean;
  config: MailConfig;
  /** This site holds an SMTP password (entered here); the password itself never leaves the server. */
  password_set: boolean;
  /** The mail site's name; "" before anyone configured mail. */
  mail_site: string;
  this_site: string;
  /** This site is the mail site and no earlier one may still be sending. */
  may_send: boolean;
  /** Earlier mail sites whose hand-over this one still waits for. */
  awaiting_release: string[];
  outbox: OutboxCounts;
}

/**
 * PUT /api/settings/mail. password left out keeps the one this site holds,
 * "" removes it; starttls left out is on.
 */
export interface MailSettingsUpdate {
  smtp_server: string;
  from: string;
  username: string;
  password?: string;
  starttls: boolean;
}

/** A mail's delivery state at this site. */
export type OutboxStatus = 'queued' | 'failed' | 'sent' | 'dropped';

/** The kinds of mail (engine.MailKinds). */
export type MailKind = 'confirm_request' | 'confirmation' | 'moved' | 'cancelled' | 'reminder';

/** One mail of GET /api/settings/mail/outbox: ids and times, no personal data. */
export interface OutboxEntry {
  id: string;
  kind: MailKind | string;
  appointment: string;
  building: string;
  /** RFC 3339, Berlin */
  queued_at: string;
  sent_at?: string;
  /** The site that sent it. */
  sent_by?: string;
  message_id?: string;
  status: OutboxStatus;
  attempts: number;
  next_attempt?: string;
  last_error?: string;
  /** Why it will never be sent. */
  dropped?: string;
}

/** GET/PUT /api/buildings/{id}/online: a building's rules for online bookings, defaults filled in. */
export interface OnlineRules {
  confirm_minutes: number;
  max_active_per_email: number;
  reminder_day_before: boolean;
  privacy_notice: string;
}

const seg = encodeURIComponent;

export function getMailSettings(): Promise<MailSettings> {
  return request('GET', '/api/settings/mail');
}

/** Makes this site the mail site with these settings; 400 names the bad field, nothing is written. */
export function saveMailSettings(u: MailSettingsUpdate): Promise<MailSettings> {
  return request('PUT', '/api/settings/mail', u);
}

/** The latest mails (at most 100), the latest queued first; status "" lists all. */
export async function listOutbox(status: OutboxStatus | '' = ''): Promise<OutboxEntry[]> {
  return (await request<OutboxEntry[] | null>('GET', `/api/settings/mail/outbox${query({ status })}`)) ?? [];
}

export function getOnlineRules(building: string): Promise<OnlineRules> {
  return request('GET', `/api/buildings/${seg(building)}/online`);
}

/** Saves the rules; a field left out keeps its value. 400 names the bad field, nothing is written. */
export function saveOnlineRules(building: string, u: Partial<OnlineRules>): Promise<OnlineRules> {
  return request('PUT', `/api/buildings/${seg(building)}/online`, u);
}
