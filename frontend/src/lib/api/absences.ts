// A counter's absences (Verwaltung → Abwesenheiten): the preview of what
// saving would do, saving, and taking an absence out again. Part of the one
// API client (../api.ts): every call goes through its request().

import { request } from './client';

/** Days a counter is not staffed; to is the last day (inclusive). */
export interface AbsenceRange {
  /** YYYY-MM-DD */
  from: string;
  /** YYYY-MM-DD; absent or "" means the same day as from. */
  to?: string;
  reason?: string;
}

/** How the clerks reach a citizen about the move. */
export type Notify = 'email' | 'phone' | 'none';

/** One booking an absence displaces, as the preview shows it. */
export interface AbsenceMove {
  id: string;
  code: string;
  /** RFC 3339 */
  start: string;
  end: string;
  /** Service names. */
  services: string[];
  citizen: { name: string; email: string; phone: string };
  /** Where this site moves it; null: no free place, or another site moves it (moved_by). */
  moves_to: string | null;
  /** The counter's name at the new place. */
  moves_to_counter?: string;
  /** The same start, at another counter or room. */
  same_time: boolean;
  notify: Notify;
  /** The site that booked it and moves it, when not this one. */
  moved_by?: string;
}

/** Answer of POST /api/counters/{id}/absences/preview: nothing is written. */
export interface AbsencePreview {
  counter: { id: string; name: string };
  from: string;
  to: string;
  reason: string;
  appointments: AbsenceMove[];
  /** Counts of this site's bookings: moved, without a place, told by e-mail, by phone, not at all. */
  moves: number;
  unplaced: number;
  emails: number;
  calls: number;
  unreachable: number;
  /** Bookings the sites that made them move. */
  others: number;
}

/** A counter as GET /api/counters and the absence routes answer it. */
export interface CounterWithAbsences {
  id: string;
  building: string;
  name: string;
  absences?: AbsenceRange[];
}

const seg = encodeURIComponent;

function bodyOf(r: AbsenceRange): AbsenceRange {
  return { from: r.from, ...(r.to ? { to: r.to } : {}), ...(r.reason ? { reason: r.reason } : {}) };
}

/** What saving the absence would do now; 400 naming from, to or reason. */
export async function previewAbsence(counter: string, r: AbsenceRange): Promise<AbsencePreview> {
  const p = await request<AbsencePreview>('POST', `/api/counters/${seg(counter)}/absences/preview`, bodyOf(r));
  return { ...p, appointments: p.appointments ?? [] };
}

/** Saves the absence; this site moves its displaced bookings at once. */
export function addAbsence(counter: string, r: AbsenceRange): Promise<CounterWithAbsences> {
  return request('POST', `/api/counters/${seg(counter)}/absences`, bodyOf(r));
}

/** Takes out the absence starting on from; bookings already moved stay moved. */
export function removeAbsence(counter: string, from: string): Promise<CounterWithAbsences> {
  return request('DELETE', `/api/counters/${seg(counter)}/absences/${seg(from)}`);
}
