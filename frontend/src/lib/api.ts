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

export type AppointmentStatus = 'booked' | 'checked_in' | 'called' | 'served' | 'no_show' | 'cancelled';

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

/** The documents Pforte prints. */
export type PrintDocument = 'slip' | 'badge' | 'daily-sheet' | 'attendance' | 'evacuation';

/** A slip on A6 paper or on an 80 mm receipt roll. */
export type SlipFormat = 'a6' | 'receipt';

/**
 * One document to show or print: an appointment's slip or a visit's badge
 * by id, a building's daily sheet (visitors) or attendance list
 * (appointments) of a day. A slip without format is printed in the desk's.
 */
export type PrintTarget =
  | { document: 'slip'; id: string; format?: SlipFormat }
  | { document: 'badge'; id: string }
  | { document: 'daily-sheet' | 'attendance'; building: string; day: string }
  | { document: 'evacuation'; building: string };

/** Body of POST /api/print/jobs; without printer the desk's printer for the document is used. */
export interface PrintJobRequest {
  document: PrintDocument;
  id?: string;
  building?: string;
  day?: string;
  format?: SlipFormat;
  printer?: string;
}

/** 202 of POST /api/print/jobs and of a retry: CUPS has the job. */
export interface PrintResult {
  job_id: string;
  printer: string;
  cups_job_id: number;
  status: string;
}

/** A document waiting in the print queue (GET /api/print/jobs). */
export interface PrintJob {
  job_id: string;
  document: PrintDocument | string;
  ref: string;
  title: string;
  printer: string;
  created_at: string;
  attempts: number;
  last_try?: string;
  last_error?: string;
}

/** A CUPS queue (GET /api/print/printers). */
export interface Printer {
  name: string;
  info: string;
  location: string;
  make_model: string;
  device_uri?: string;
  /** idle, processing or stopped */
  state: string;
  state_message?: string;
  accepting: boolean;
}

/** This desk's printing settings (GET /api/settings/printers). "" means not set. */
export interface PrinterSettings {
  /** Slips and badges. */
  slip_printer: string;
  /** Daily sheets and attendance lists. */
  a4_printer: string;
  print_badge_on_register: boolean;
  print_daily_sheet_at_close: boolean;
  /** "" is A6. */
  slip_format: SlipFormat | '';
  cancel_phone: string;
  /** "" leaves it to PFORTE_CUPS and the default. */
  cups_server: string;
  /** The print server actually used, after PFORTE_CUPS and the default. */
  cups_server_in_use?: string;
}

/** Body of PUT /api/settings/printers: what is left out keeps its value. */
export type PrinterSettingsUpdate = Partial<Omit<PrinterSettings, 'cups_server_in_use'>>;

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

/** Address of the visitor badge PDF (opened in a new tab, not fetched). */
export function badgeUrl(id: string): string {
  return `/api/print/badge/${seg(id)}.pdf`;
}

/** Address of a building's daily registration sheet (visitors) of a day. */
export function dailySheetUrl(building: string, day: string): string {
  return `/api/print/daily-sheet.pdf${query({ building, day })}`;
}

/** Address of a building's attendance list (appointments) of a day. */
export function attendanceUrl(building: string, day: string): string {
  return `/api/print/attendance.pdf${query({ building, day })}`;
}

/** Address of a document's PDF, to open in a new tab as its preview. */
export function documentUrl(t: PrintTarget): string {
  switch (t.document) {
    case 'slip':
      return slipUrl(t.id, t.format);
    case 'badge':
      return badgeUrl(t.id);
    case 'daily-sheet':
      return dailySheetUrl(t.building, t.day);
    case 'attendance':
      return attendanceUrl(t.building, t.day);
    case 'evacuation':
      return evacuationUrl(t.building);
  }
}

/** The body of POST /api/print/jobs for a document; printer "" leaves it to the desk's settings. */
export function printJobBody(t: PrintTarget, printer = ''): PrintJobRequest {
  const body: PrintJobRequest = { document: t.document };
  if (t.document === 'slip' || t.document === 'badge') body.id = t.id;
  else {
    body.building = t.building;
    if (t.document !== 'evacuation') body.day = t.day;
  }
  if (t.document === 'slip' && t.format) body.format = t.format;
  if (printer) body.printer = printer;
  return body;
}

/**
 * Prints a document. 400 field "printer" when the desk has no printer for
 * it; 503 printer_unavailable when the printer cannot take it now: then the
 * document waits in the print queue, and the error's extra names job_id.
 */
export function printDocument(t: PrintTarget, printer = ''): Promise<PrintResult> {
  return request('POST', '/api/print/jobs', printJobBody(t, printer));
}

/** The documents waiting for a printer, oldest first. */
export async function listPrintJobs(): Promise<PrintJob[]> {
  return (await request<PrintJob[] | null>('GET', '/api/print/jobs')) ?? [];
}

/** Sends a waiting document again, to its printer or another; answers like printDocument. 404 when gone. */
export function retryPrintJob(jobId: string, printer = ''): Promise<PrintResult> {
  return request('POST', `/api/print/jobs/${seg(jobId)}/retry`, printer ? { printer } : {});
}

/** Discards a waiting document. */
export function deletePrintJob(jobId: string): Promise<void> {
  return request('DELETE', `/api/print/jobs/${seg(jobId)}`);
}

/** The print server's queues; 503 printer_unavailable when the print server cannot be reached. */
export async function listPrinters(): Promise<Printer[]> {
  return (await request<Printer[] | null>('GET', '/api/print/printers')) ?? [];
}

export function getPrinterSettings(): Promise<PrinterSettings> {
  return request('GET', '/api/settings/printers');
}

/** Saves what is set in u; answers the whole settings. 400 names the bad field. */
export function savePrinterSettings(u: PrinterSettingsUpdate): Promise<PrinterSettings> {
  return request('PUT', '/api/settings/printers', u);
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

/** Address of the appointment slip PDF (opened in a new tab, not fetched); without format A6. */
export function slipUrl(id: string, format?: SlipFormat): string {
  return `/api/print/slip/${seg(id)}.pdf${query({ format })}`;
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

/** Address of the evacuation list: everyone in the building now. */
export function evacuationUrl(building: string): string {
  return `/api/print/evacuation.pdf${query({ building })}`;
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
