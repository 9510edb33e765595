// The one client of Pforte's HTTP JSON API (see shared/API.md). Every screen
// talks to the server through this module, so the error shape is handled in
// one place: a failed call always rejects with an ApiError.
//
// The paths are absolute (/api/...): in the browser they go to `pforte serve`,
// in the desktop window Wails' asset server hands them to the same Go handler.

/** GET /api/health */
export interface Health {
  site: string;
  building: string;
  version: string;
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

/**
 * A failed API call. code and field come from the server's
 * {"error":{"code","field","message"}}; status is the HTTP status, 0 when the
 * server could not be reached (code "network").
 */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly field: string;

  constructor(status: number, code: string, field: string, message: string) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.field = field;
  }
}

/**
 * Turns a non-2xx answer into an ApiError. Answers that do not carry the
 * server's error object (a proxy's 502, the file server's 404 page) still
 * become an ApiError, with code "http_<status>".
 */
export async function errorFromResponse(res: Response): Promise<ApiError> {
  let text = '';
  try {
    text = await res.text();
  } catch {
    // Body unreadable: the status alone has to do.
  }
  try {
    const body = JSON.parse(text) as unknown;
    if (body && typeof body === 'object' && 'error' in body) {
      const e = (body as { error: unknown }).error;
      if (e && typeof e === 'object') {
        const { code, field, message } = e as Record<string, unknown>;
        return new ApiError(
          res.status,
          typeof code === 'string' && code !== '' ? code : `http_${res.status}`,
          typeof field === 'string' ? field : '',
          typeof message === 'string' ? message : '',
        );
      }
    }
  } catch {
    // Not JSON: fall through.
  }
  return new ApiError(res.status, `http_${res.status}`, '', text.trim().slice(0, 200) || res.statusText);
}

async function request<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  const init: RequestInit = { method, headers: { Accept: 'application/json' } };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers = { ...init.headers, 'Content-Type': 'application/json' };
  }
  let res: Response;
  try {
    res = await fetch(path, init);
  } catch (err) {
    throw new ApiError(0, 'network', '', err instanceof Error ? err.message : String(err));
  }
  if (!res.ok) {
    throw await errorFromResponse(res);
  }
  if (res.status === 204) {
    return undefined as T;
  }
  try {
    return (await res.json()) as T;
  } catch {
    throw new ApiError(res.status, 'bad_response', '', 'Antwort des Servers ist kein JSON.');
  }
}

/** Builds "?a=1&b=2" from the set values; "" when none is set. */
function query(params: Record<string, string | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== '') q.set(k, v);
  }
  const s = q.toString();
  return s ? `?${s}` : '';
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

/** Address of the visitor badge PDF (opened in a new tab, not fetched). */
export function badgeUrl(id: string): string {
  return `/api/print/badge/${seg(id)}.pdf`;
}
