// The one client of Pforte's HTTP JSON API (see shared/API.md). Every screen
// talks to the server through this module, so the error shape is handled in
// one place: a failed call always rejects with an ApiError.
//
// The paths are absolute (/api/...): in the browser they go to `pforte serve`,
// in the desktop window Wails' asset server hands them to the same Go handler.

import { query, request } from './api/client';
import { followEvents, followStream, type EventHandlers, type EventStream } from './stream';
export type { EventStream } from './stream';
export * from './api/client';
export * from './api/session';
export * from './api/print';

/** GET /api/health */
export interface Health {
  site: string;
  building: string;
  version: string;
  /** The server's clock (RFC 3339); absent on older servers. */
  now?: string;
}

/** One opening interval of a building; weekday 1 = Monday … 7 = Sunday. */
export interface OpeningHours {
  weekday: number;
  open: string;
  close: string;
}

/** GET /api/buildings */
export interface Building {
  id: string;
  name: string;
  address?: string;
  entrance?: string;
  appointment_only?: boolean;
  hours?: OpeningHours[];
  slot_minutes?: number;
  ticket_prefix?: string;
  exceptions?: HoursException[];
}

/** A day or period that differs from the weekly hours (holiday, closing, special hours). */
export interface HoursException {
  from: string;
  to: string;
  closed: boolean;
  reason: string;
  hours?: unknown;
}

/** GET /api/services: a concern a citizen can book. */
export interface Service {
  id: string;
  name: string;
  duration_min: number;
  documents?: string[];
  buildings?: string[];
  department?: string;
  needs_room?: boolean;
}

/** GET /api/counters */
export interface Counter {
  id: string;
  building: string;
  name: string;
  services?: string[];
  /** ISO weekdays it is staffed; absent means every open day. */
  weekdays?: number[];
  /** Kept for same-day booking. */
  held_back?: boolean;
  /** Days it is not staffed (Verwaltung → Abwesenheiten). */
  absences?: { from: string; to?: string; reason?: string }[];
}

/** One opening interval of a calendar day (RFC 3339 with offset). */
export interface Opening {
  start: string;
  end: string;
}

/** GET /api/calendar: the opening of one day, with the reason when closed. */
export interface CalendarDay {
  day: string;
  openings?: Opening[] | null;
  closed: boolean;
  reason?: string;
  /** A public holiday (then reason names it). */
  holiday?: boolean;
}

/** A free slot; RFC 3339 with offset. */
export interface Slot {
  start: string;
  end: string;
  building: string;
}

/** Who books: desk (Schalter), phone, online, branch (Zweigstelle). */
export type Channel = 'desk' | 'phone' | 'online' | 'branch';

export type AppointmentStatus = 'preconfirmed' | 'booked' | 'checked_in' | 'called' | 'served' | 'no_show' | 'cancelled';

export interface Citizen {
  name: string;
  birth_date: string;
  phone: string;
  email: string;
}

/** An appointment. Unset times are absent. */
export interface Appointment {
  id: string;
  code: string;
  qr?: string;
  building: string;
  services: string[];
  service_names?: string[];
  documents?: string[];
  start: string;
  end: string;
  status: AppointmentStatus;
  channel?: Channel;
  counter?: string;
  counter_name?: string;
  room?: string;
  room_name?: string;
  barrier_free?: boolean;
  ticket?: string;
  booked_at?: string;
  checked_in_at?: string;
  called_at?: string;
  /** The counter of the latest call (may differ from the booked one). */
  called_to?: string;
  called_to_name?: string;
  /** Booked online and not yet confirmed by the citizen: the slot is free again then. */
  expires_at?: string;
  /** Served, no-show or cancelled at. */
  ended_at?: string;
  /** After a move: the id of the appointment it replaced. */
  moved_from?: string;
  citizen?: Citizen;
}

/** Body of POST /api/appointments. */
export interface NewAppointment {
  building: string;
  services: string[];
  start: string;
  channel: Channel;
  citizen: Citizen;
}

/** Answer of POST /api/checkin. */
export interface CheckinResult {
  appointment: Appointment;
  ticket: string;
}

/** How a citizen checks in: with the birth date (and the name when asked) or with the code. */
export type CheckinRequest =
  | { building: string; birth_date: string; name?: string }
  | { building: string; code: string };

/** Answer of POST /api/counters/{id}/call-next. */
export interface CallResult {
  appointment: Appointment;
  ticket: string;
  counter: string;
  counter_name: string;
}

/** One call-up as the monitor shows it. */
export interface Call {
  ticket: string;
  counter: string;
  counter_name: string;
  at: string;
  appointment_id: string;
  building?: string;
}

/** GET /api/staff: a person a visitor can come to. */
export interface Staff {
  id: string;
  name: string;
  department: string;
  building: string;
}

/** waiting: registered, not yet picked up; escorted: picked up by staff; left: gone. */
export type VisitStatus = 'waiting' | 'escorted' | 'left';

/** A visitor registration. Times are RFC 3339 with offset; "" or absent when not set. */
/** The badge printed at registration: printed, waiting in the print queue (with why), or not made at all. */
export interface BadgeOutcome {
  status: 'printed' | 'queued' | 'failed';
  job?: string;
  error?: string;
}

export interface Visit {
  id: string;
  building: string;
  name: string;
  phone?: string;
  email?: string;
  address?: string;
  host: string;
  host_name?: string;
  appointment_id?: string;
  reason?: string;
  arrived_at: string;
  /** Only in the answer to a registration, when the desk prints badges then: what became of it. */
  badge?: BadgeOutcome;
  picked_up_at?: string;
  picked_up_by?: string;
  left_at?: string;
  status: VisitStatus;
  /** Who answered "Ich hole ab" and is on the way; the visitor still waits. */
  coming_by?: string;
  coming_by_name?: string;
  coming_at?: string;
  /** Waiting 5 minutes or longer and nobody answered: phone the host. */
  unanswered?: boolean;
  /** Still in the building after it closed for the day. */
  after_closing?: boolean;
  building_name?: string;
  entrance?: string;
}

/** Body of POST /api/visits. */
export interface NewVisit {
  building: string;
  name: string;
  phone: string;
  email: string;
  address: string;
  host: string;
  appointment_id: string;
  reason: string;
}

const seg = encodeURIComponent;

export function getHealth(): Promise<Health> {
  return request('GET', '/api/health');
}

export async function listBuildings(): Promise<Building[]> {
  return (await request<Building[] | null>('GET', '/api/buildings')) ?? [];
}

export async function listStaff(building?: string): Promise<Staff[]> {
  return (await request<Staff[] | null>('GET', `/api/staff${query({ building })}`)) ?? [];
}

export function createVisit(v: NewVisit): Promise<Visit> {
  return request('POST', '/api/visits', v);
}

/** Marks the visitor as picked up (escorted) by staff member `by`. 409 invalid_state when not waiting. */
export function pickupVisit(id: string, by: string): Promise<Visit> {
  return request('POST', `/api/visits/${seg(id)}/pickup`, { by });
}

/** Marks the visitor as gone. 409 invalid_state when already left. */
export function leaveVisit(id: string): Promise<Visit> {
  return request('POST', `/api/visits/${seg(id)}/leave`, {});
}

/** Every visit of one day (YYYY-MM-DD), those who left included. */
export async function listVisits(building: string, day: string): Promise<Visit[]> {
  return (await request<Visit[] | null>('GET', `/api/visits${query({ building, day })}`)) ?? [];
}

/** Who is in the building now: the evacuation list. */
export async function listPresentVisits(building: string): Promise<Visit[]> {
  return (await request<Visit[] | null>('GET', `/api/visits/present${query({ building })}`)) ?? [];
}

export async function listServices(): Promise<Service[]> {
  return (await request<Service[] | null>('GET', '/api/services')) ?? [];
}

export async function listCounters(building: string): Promise<Counter[]> {
  return (await request<Counter[] | null>('GET', `/api/counters${query({ building })}`)) ?? [];
}

/** The opening of `days` days from `from` (YYYY-MM-DD). */
export async function getCalendar(building: string, from: string, days: number): Promise<CalendarDay[]> {
  return (await request<CalendarDay[] | null>('GET', `/api/calendar${query({ building, from, days: String(days) })}`)) ?? [];
}

/** Free slots for these services (1–4), earliest first. */
export async function listSlots(p: {
  building: string;
  services: readonly string[];
  from: string;
  days: number;
  channel: Channel;
}): Promise<Slot[]> {
  const q = query({ building: p.building, services: p.services.join(','), from: p.from, days: String(p.days), channel: p.channel });
  return (await request<Slot[] | null>('GET', `/api/slots${q}`)) ?? [];
}

/** 201 the appointment; 409 slot_taken when the slot went meanwhile. */
export function bookAppointment(a: NewAppointment): Promise<Appointment> {
  return request('POST', '/api/appointments', a);
}

/** The day's appointments (every status), by start. */
export async function listAppointments(building: string, day: string): Promise<Appointment[]> {
  return (await request<Appointment[] | null>('GET', `/api/appointments${query({ building, day })}`)) ?? [];
}

export function cancelAppointment(id: string): Promise<Appointment> {
  return request('POST', `/api/appointments/${seg(id)}/cancel`, {});
}

/** The new appointment (same code, new id); the old one is cancelled. 409 slot_taken. */
export function moveAppointment(id: string, start: string): Promise<Appointment> {
  return request('POST', `/api/appointments/${seg(id)}/move`, { start });
}

/** 404 not_found when nothing matches today; 409 ambiguous (field "name") when the name is needed too. */
export function checkIn(r: CheckinRequest): Promise<CheckinResult> {
  return request('POST', '/api/checkin', r);
}

/** Calls the next checked-in citizen this counter serves; 404 nobody_waiting. */
export function callNext(counter: string): Promise<CallResult> {
  return request('POST', `/api/counters/${seg(counter)}/call-next`, {});
}

/** Calls (again) this appointment to a counter; answers like call-next. */
export function callAppointment(id: string, counter: string): Promise<CallResult> {
  return request('POST', `/api/appointments/${seg(id)}/call`, { counter });
}

export function markServed(id: string): Promise<Appointment> {
  return request('POST', `/api/appointments/${seg(id)}/served`, {});
}

export function markNoShow(id: string): Promise<Appointment> {
  return request('POST', `/api/appointments/${seg(id)}/no-show`, {});
}

/** Today's calls, newest first. */
export async function listCalls(building: string, limit: number): Promise<Call[]> {
  return (await request<Call[] | null>('GET', `/api/calls${query({ building, limit: String(limit) })}`)) ?? [];
}

export type CallStream = EventStream;

/**
 * Follows GET /api/calls/stream (server-sent events, `event: call`); see
 * followStream for reconnecting.
 */
export function followCalls(
  building: string,
  on: { call: (c: Call) => void; open?: () => void; down?: () => void },
  retryMs = 3000,
): CallStream {
  return followStream<Call>(`/api/calls/stream${query({ building })}`, 'call', { ...on, event: on.call }, retryMs);
}

/** The data of an `event: visit-hint` on GET /api/visits/stream?host=. */
export interface VisitHint {
  id: string;
  host: string;
  origin: string;
}

/**
 * Follows GET /api/visits/stream: every change of a visit in a building
 * (reception) or of a host's visitors at every entrance (the host's desk),
 * made here or arriving from another site. A host's stream also carries
 * another site's hint (ids only) that a visitor waits, before the visit
 * itself arrives; on.hint takes those.
 */
export function followVisits(
  filter: { building: string } | { host: string },
  on: { visit: (v: Visit) => void; hint?: (h: VisitHint) => void; open?: () => void; down?: () => void },
  retryMs = 3000,
): EventStream {
  const events: EventHandlers = { visit: on.visit };
  if (on.hint) events['visit-hint'] = on.hint;
  return followEvents(`/api/visits/stream${query(filter)}`, events, on, retryMs);
}

/** "Ich hole ab": staff member `by` is on the way; the visitor still waits. */
export function comingForVisit(id: string, by: string): Promise<Visit> {
  return request('POST', `/api/visits/${seg(id)}/coming`, { by });
}

/** A host's visitors in any building now (waiting, on the way, escorted). */
export async function listHostVisits(host: string): Promise<Visit[]> {
  return (await request<Visit[] | null>('GET', `/api/visits/host${query({ host })}`)) ?? [];
}

/** Earlier visits (within the retention period) of a visitor with exactly this name, newest first. */
export async function listRecentVisits(name: string): Promise<Visit[]> {
  return (await request<Visit[] | null>('GET', `/api/visits/recent${query({ name })}`)) ?? [];
}

/** alive, failed, left, leaving as Serf sees the site; unknown for a replication seed Serf does not know. */
export type PeerStatus = 'alive' | 'failed' | 'left' | 'leaving' | 'unknown';

/** One other site, as GET /api/sync/status lists it. */
export interface SyncPeer {
  site: string;
  building: string;
  /** The gossip address. */
  addr: string;
  status: PeerStatus | string;
  /** The last successful replication with it (RFC 3339); null until the first. */
  last_sync: string | null;
  sync_addr?: string;
  last_error?: string;
  last_error_at?: string;
  ops_received: number;
  ops_sent: number;
  /** Its version vector as last seen (its hello, plus what this site sent it then); null until a session. */
  vector?: Record<string, number> | null;
  /** When that vector was seen (RFC 3339). */
  vector_at?: string | null;
  /** Per origin: how many changes it lacks that this site holds. Null while vector is. */
  lag?: Record<string, number> | null;
  /** Per origin: how many changes this site lacks that it had. Null while vector is. */
  ahead?: Record<string, number> | null;
}

/** GET /api/sync/status: this site's version vector (per origin, the highest contiguous seq held) and its peers. */
export interface SyncStatus {
  site: string;
  /** false: a single site without a cluster (no --gossip / cluster key). */
  replicating: boolean;
  vector: Record<string, number> | null;
  peers: SyncPeer[] | null;
}

export function getSyncStatus(): Promise<SyncStatus> {
  return request('GET', '/api/sync/status');
}

/** One thing to tell a citizen: an appointment moved because capacity shrank, or one with no place left. */
export interface InboxEntry {
  id: string;
  kind: 'moved' | 'unplaced';
  building: string;
  appointment_id: string;
  new_appointment_id?: string;
  code: string;
  citizen: { name: string; phone?: string; email?: string };
  old_start: string;
  new_start?: string;
  reason: string;
  created_at: string;
  resolved: boolean;
  action?: InboxAction;
  by?: string;
  resolved_at: string;
}

export type InboxAction = 'called' | 'emailed' | 'done';

/** The clerks' inbox of a building: open entries first, then the resolved ones. */
export async function listInbox(building: string): Promise<InboxEntry[]> {
  return (await request<InboxEntry[] | null>('GET', `/api/inbox${query({ building })}`)) ?? [];
}

/** Marks an entry called, e-mailed or done; resolving again changes nothing. */
export function resolveInbox(id: string, action: InboxAction): Promise<InboxEntry> {
  return request('POST', `/api/inbox/${seg(id)}/resolve`, { action });
}
