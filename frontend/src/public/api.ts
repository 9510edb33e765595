// The one typed client of the citizens' pages: /api/public/* only. It imports
// nothing from the staff app, so the public bundle never carries staff code.

export interface Building {
  id: string;
  name: string;
  address: string;
  entrance: string;
  privacy_notice: string;
  day_tickets: boolean;
  max_services: number;
}

export interface Service {
  id: string;
  name: string;
  duration_min: number;
  documents: string[];
}

export interface Slot {
  start: string;
  end: string;
  day_ticket: boolean;
}

export interface Citizen {
  name: string;
  birth_date: string;
  email: string;
  phone: string;
}

export interface BookingRequest {
  building: string;
  services: string[];
  start: string;
  citizen: Citizen;
  privacy_accepted: boolean;
  altcha: string;
}

export interface Preconfirmed {
  status: 'preconfirmed';
  expires_at: string;
}

export type BookingStatus =
  | 'preconfirmed'
  | 'booked'
  | 'checked_in'
  | 'called'
  | 'served'
  | 'no_show'
  | 'cancelled'
  | 'expired';

export interface PublicBooking {
  status: BookingStatus;
  code: string;
  start: string;
  end: string;
  expires_at?: string;
  building: { id: string; name: string; address: string; entrance: string };
  services: { id: string; name: string; documents: string[] }[];
}

/** The server's error shape, `{"error":{"code","field","message"}}`, with the HTTP status. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

async function call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers: body === undefined ? { Accept: 'application/json' } : { Accept: 'application/json', 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
    });
  } catch {
    throw new ApiError(0, 'network', '', 'network');
  }
  const text = await res.text();
  let data: unknown = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!res.ok) {
    const e = (data as { error?: { code?: string; field?: string; message?: string } } | null)?.error;
    throw new ApiError(res.status, e?.code ?? `http_${res.status}`, e?.field ?? '', e?.message ?? res.statusText);
  }
  return data as T;
}

const enc = encodeURIComponent;

export function getBuildings(): Promise<Building[]> {
  return call('GET', '/api/public/buildings');
}

export function getServices(building: string): Promise<Service[]> {
  return call('GET', `/api/public/services?building=${enc(building)}`);
}

/** Free slots from `from` (YYYY-MM-DD) for `days` days (1..90), earliest first. */
export function getSlots(building: string, services: string[], from: string, days: number): Promise<Slot[]> {
  const n = Math.max(1, Math.min(90, Math.round(days)));
  return call('GET', `/api/public/slots?building=${enc(building)}&services=${services.map(enc).join(',')}&from=${enc(from)}&days=${n}`);
}

export function createBooking(req: BookingRequest): Promise<Preconfirmed> {
  return call('POST', '/api/public/bookings', req);
}

export function getBooking(token: string): Promise<PublicBooking> {
  return call('GET', `/api/public/bookings/${enc(token)}`);
}

export function confirmBooking(token: string): Promise<PublicBooking> {
  return call('POST', `/api/public/bookings/${enc(token)}/confirm`, {});
}

export function cancelBooking(token: string): Promise<PublicBooking> {
  return call('POST', `/api/public/bookings/${enc(token)}/cancel`, {});
}

/** The calendar file of a booking: a plain link, downloaded by the browser. */
export function icsURL(token: string): string {
  return `/api/public/bookings/${enc(token)}.ics`;
}

/** Where the ALTCHA widget fetches its challenge: absolute, the pages live under /buchen/. */
export const CHALLENGE_URL = '/api/public/challenge';
