// The data-protection API (app/retention.go, app/privacy.go, app/tracing.go,
// the audit log in app/accounts.go): retention rules and holds, contact
// tracing for the health office, data-subject requests (DSGVO Art. 15/17)
// and who looked at what. Part of the one API client (../api.ts): every call
// goes through its request(), so the error shape is handled in one place.

import { query, request, type Appointment, type Building, type InboxEntry, type PrintJob, type Visit } from '../api';

/** GET/PUT /api/buildings/{id}/retention: days a building keeps personal data. */
export interface Retention {
  visit_days: number;
  appointment_days: number;
  audit_days: number;
  /** Contact tracing's margin around a stay; 0 in a request: the default (15). */
  tracing_margin_minutes: number;
  /** The desks lock after this long without their person; 0 in a request: the default (10). */
  idle_lock_minutes: number;
}

/** What GET /api/buildings carries beside the fields api.ts names. */
export type BuildingPrivacy = Building & {
  /** Absent: the defaults (engine.DefaultRetention). */
  retention?: Partial<Retention>;
  visit_reasons?: string[];
  tracing_margin_minutes?: number;
};

/** The person at the desk (GET /api/session). */
export interface SessionUser {
  id: string;
  name: string;
  roles: string[];
  buildings: string[];
}

/** Kinds the purge and an erasure count: visits, appointments, inbox, audit, print_jobs. */
export type ErasedCounts = Record<string, number>;

/** A hold ("Sperrvermerk") as GET /api/holds lists it. */
export interface Hold {
  id: string;
  building: string;
  /** First and last day held (YYYY-MM-DD). */
  from: string;
  to: string;
  reason: string;
  /** The hold ends after this day. */
  until: string;
  placed_by: string;
  placed_at: string;
  lifted: boolean;
  lifted_by?: string;
  lifted_at?: string;
  /** Keeps its records today. */
  active: boolean;
}

/** Body of POST /api/holds; until "" is 90 days from today. */
export interface NewHold {
  building: string;
  from: string;
  to: string;
  reason: string;
  until: string;
}

/** One person's stay in a tracing answer. */
export interface Traced {
  kind: 'visit' | 'appointment' | string;
  id: string;
  name: string;
  phone: string;
  email: string;
  address: string;
  birth_date?: string;
  building: string;
  from: string;
  to: string;
  /** The end is the rule's reading, not a recorded departure. */
  to_estimated: boolean;
  /** Whom a visitor came to; an appointment's counter (and room). */
  host: string;
}

/** GET /api/contact-tracing */
export interface Tracing {
  index: Traced;
  contacts: Traced[];
  margin_minutes: number;
  /** Overlapping stays whose personal data is already erased. */
  erased_contacts: number;
}

/** Who the tracing starts from: a visit, an appointment, or a name on a day in a building. */
export type TracingQuery =
  | { visit: string }
  | { appointment: string }
  | { name: string; day: string; building: string };

/** Builds the query string of a tracing request (the JSON, PDF and CSV share it). */
export function tracingQuery(q: TracingQuery): string {
  if ('visit' in q) return query({ visit: q.visit.trim() });
  if ('appointment' in q) return query({ appointment: q.appointment.trim() });
  return query({ name: q.name.trim(), day: q.day, building: q.building });
}

export function traceContacts(q: TracingQuery): Promise<Tracing> {
  return request('GET', `/api/contact-tracing${tracingQuery(q)}`);
}

/** Address of the list for the health office, as PDF or CSV. */
export function tracingFileUrl(q: TracingQuery, format: 'pdf' | 'csv'): string {
  return `/api/contact-tracing.${format}${tracingQuery(q)}`;
}

/**
 * The stays a 409 "ambiguous" of the tracing lists (several people of that
 * name that day), or [] for any other error.
 */
export function ambiguousMatches(err: unknown): Traced[] {
  const e = err as { code?: string; extra?: Record<string, unknown> } | null;
  if (e?.code !== 'ambiguous' || !Array.isArray(e.extra?.matches)) return [];
  return e.extra.matches as Traced[];
}

/** A data-subject request: at least one of the fields. */
export interface PersonQuery {
  name?: string;
  birth_date?: string;
  email?: string;
  phone?: string;
}

export function personQuery(q: PersonQuery): string {
  return query({
    name: q.name?.trim(),
    birth_date: q.birth_date?.trim(),
    email: q.email?.trim(),
    phone: q.phone?.trim(),
  });
}

/** GET /api/personal-data: everything held on one person, in every building. */
export interface PersonalData {
  visits: Visit[];
  appointments: Appointment[];
  inbox: InboxEntry[];
  print_jobs: PrintJob[];
}

export async function findPersonalData(q: PersonQuery): Promise<PersonalData> {
  const d = await request<Partial<PersonalData>>('GET', `/api/personal-data${personQuery(q)}`);
  return { visits: d.visits ?? [], appointments: d.appointments ?? [], inbox: d.inbox ?? [], print_jobs: d.print_jobs ?? [] };
}

export function personalDataPdfUrl(q: PersonQuery): string {
  return `/api/personal-data.pdf${personQuery(q)}`;
}

/** POST /api/personal-data/erase: ids of visits and appointments, and why. */
export async function erasePersonalData(ids: string[], reason: string): Promise<ErasedCounts> {
  return (await request<{ erased: ErasedCounts }>('POST', '/api/personal-data/erase', { ids, reason })).erased ?? {};
}

export function getRetention(building: string): Promise<Retention> {
  return request('GET', `/api/buildings/${encodeURIComponent(building)}/retention`);
}

export function saveRetention(building: string, r: Retention): Promise<Retention> {
  return request('PUT', `/api/buildings/${encodeURIComponent(building)}/retention`, r);
}

/** POST /api/retention/run: the purge, now; the counts per kind it erased. */
export async function runRetention(): Promise<ErasedCounts> {
  return (await request<{ erased: ErasedCounts }>('POST', '/api/retention/run', {})).erased ?? {};
}

export async function listHolds(): Promise<Hold[]> {
  return (await request<Hold[] | null>('GET', '/api/holds')) ?? [];
}

export function placeHold(h: NewHold): Promise<Hold> {
  return request('POST', '/api/holds', h);
}

export function liftHold(id: string): Promise<Hold> {
  return request('POST', `/api/holds/${encodeURIComponent(id)}/lift`, {});
}

/** One entry of the audit log. */
export interface AuditEntry {
  id?: string;
  at: string;
  user: string;
  device: string;
  site: string;
  action: string;
  route: string;
  building?: string;
  day?: string;
  entities: string[] | null;
  status?: number;
}

/** Filters of GET /api/audit; days are YYYY-MM-DD, both ends included. */
export interface AuditFilter {
  from?: string;
  to?: string;
  user?: string;
  entity?: string;
}

export function auditQuery(f: AuditFilter): string {
  return query({ from: f.from, to: f.to, user: f.user?.trim(), entity: f.entity?.trim() });
}

export async function listAudit(f: AuditFilter): Promise<AuditEntry[]> {
  return (await request<AuditEntry[] | null>('GET', `/api/audit${auditQuery(f)}`)) ?? [];
}

/** Who is signed in, for showing only what their roles may do (the server decides anyway). */
export async function currentUser(): Promise<SessionUser | null> {
  const s = await request<{ user?: SessionUser }>('GET', '/api/session');
  return s.user ?? null;
}
