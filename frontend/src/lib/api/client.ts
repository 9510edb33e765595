// The transport of the one API client: every call goes through request(),
// so the error shape, the background mark and the loss of the session are
// handled in one place. The functions per topic live beside it (../api.ts,
// session.ts); screens import them from ../api.

/**
 * A failed API call. code and field come from the server's
 * {"error":{"code","field","message"}}; status is the HTTP status, 0 when the
 * server could not be reached (code "network"). extra holds what the answer
 * carries beside "error" (a 503 printer_unavailable names the waiting job).
 */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly field: string;
  readonly extra: Readonly<Record<string, unknown>>;

  constructor(status: number, code: string, field: string, message: string, extra: Record<string, unknown> = {}) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.field = field;
    this.extra = extra;
  }
}

/**
 * Turns a non-2xx answer into an ApiError. Answers that do not carry the
 * server's error object (a proxy's 502, the file server's 404 page) still
 * become an ApiError, with code "http_<status>".
 */
export async function errorFromResponse(res: Response): Promise<ApiError> {
  const err = await errorOfBody(res);
  // A 429 says how long to wait; the sign-in form tells the person.
  const retry = Number(res.headers?.get('Retry-After'));
  if (retry > 0) return new ApiError(err.status, err.code, err.field, err.message, { ...err.extra, retry_after: retry });
  return err;
}

async function errorOfBody(res: Response): Promise<ApiError> {
  let text = '';
  try {
    text = await res.text();
  } catch {
    // Body unreadable: the status alone has to do.
  }
  try {
    const body = JSON.parse(text) as unknown;
    if (body && typeof body === 'object' && 'error' in body) {
      const { error: e, ...extra } = body as Record<string, unknown>;
      if (e && typeof e === 'object') {
        const { code, field, message } = e as Record<string, unknown>;
        return new ApiError(
          res.status,
          typeof code === 'string' && code !== '' ? code : `http_${res.status}`,
          typeof field === 'string' ? field : '',
          typeof message === 'string' ? message : '',
          extra,
        );
      }
    }
  } catch {
    // Not JSON: fall through.
  }
  return new ApiError(res.status, `http_${res.status}`, '', text.trim().slice(0, 200) || res.statusText);
}

/** One call of the API; every client function goes through it (also those in api.*.ts and api/). */
export async function request<T>(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (backgroundDepth > 0) headers[BACKGROUND_HEADER] = '1';
  const init: RequestInit = { method, headers };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    headers['Content-Type'] = 'application/json';
  }
  let res: Response;
  try {
    res = await fetch(path, init);
  } catch (err) {
    throw new ApiError(0, 'network', '', err instanceof Error ? err.message : String(err));
  }
  if (!res.ok) {
    const err = await errorFromResponse(res);
    if (res.status === 401 && (err.code === 'locked' || err.code === 'unauthenticated') && reportsAuthLoss(path)) {
      authLost?.(err.code);
    }
    throw err;
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
export function query(params: Record<string, string | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== '') q.set(k, v);
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}


/**
 * The header that marks a request a timer or a stream made, not a person:
 * the server does not count it as activity, so a desk nobody works at still
 * locks itself (idle lock).
 */
export const BACKGROUND_HEADER = 'X-Pforte-Background';

let backgroundDepth = 0;

/**
 * Runs fn with every request it starts synchronously marked as background.
 * Polls and refreshes on a timer or an event go through it:
 * setInterval(() => inBackground(refresh), ms). Only the requests started
 * before fn's first await are marked: the refreshes start theirs at once.
 */
export function inBackground<T>(fn: () => T): T {
  backgroundDepth++;
  try {
    return fn();
  } finally {
    backgroundDepth--;
  }
}

/** Why the session is gone: "locked" (the desk locked, by hand or idle) or "unauthenticated". */
export type AuthLoss = 'locked' | 'unauthenticated';

let authLost: ((why: AuthLoss) => void) | null = null;

/**
 * Registers the one listener (the app shell) told when a request answers
 * 401 because the desk is locked or nobody is signed in any more (a server
 * restart ends every session). The session routes themselves answer 401 for
 * a wrong password; they are not reported.
 */
export function onAuthLost(fn: ((why: AuthLoss) => void) | null): void {
  authLost = fn;
}

/** The routes whose 401 means a wrong password or code, not a lost session. */
function reportsAuthLoss(path: string): boolean {
  return !/^\/api\/(session|setup|devices\/pair)(\/|\?|$)/.test(path);
}
