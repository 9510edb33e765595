import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  ApiError,
  badgeUrl,
  bookAppointment,
  callNext,
  checkIn,
  createVisit,
  followCalls,
  followVisits,
  getSyncStatus,
  listCalls,
  listPresentVisits,
  listSlots,
  listStaff,
  listVisits,
  moveAppointment,
  pickupVisit,
  slipUrl,
  type Call as CallEvent,
  type VisitHint,
} from './api';

type Call = { url: string; init: RequestInit };

/** Replaces fetch with one that answers `status` and `body` and records the calls. */
function mockFetch(status: number, body: string, contentType = 'application/json') {
  const calls: Call[] = [];
  vi.stubGlobal('fetch', async (url: string, init: RequestInit) => {
    calls.push({ url, init });
    return new Response(body, { status, headers: { 'Content-Type': contentType } });
  });
  return calls;
}

afterEach(() => {
  vi.unstubAllGlobals();
});

async function rejection(p: Promise<unknown>): Promise<ApiError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(ApiError);
    return err as ApiError;
  }
  throw new Error('expected the call to fail');
}

describe('api errors', () => {
  it('reads code, field and message from a 400', async () => {
    mockFetch(400, JSON.stringify({ error: { code: 'invalid_field', field: 'contact', message: 'Kontakt fehlt.' } }));
    const err = await rejection(createVisit({ building: 'rathaus-1', name: 'X', phone: '', email: '', address: '', host: 'h', appointment_id: '', reason: '' }));
    expect(err.status).toBe(400);
    expect(err.code).toBe('invalid_field');
    expect(err.field).toBe('contact');
    expect(err.message).toBe('Kontakt fehlt.');
  });

  it('reads a 409 without field', async () => {
    mockFetch(409, JSON.stringify({ error: { code: 'invalid_state', message: 'schon gegangen' } }));
    const err = await rejection(pickupVisit('v1', 's1'));
    expect([err.status, err.code, err.field, err.message]).toEqual([409, 'invalid_state', '', 'schon gegangen']);
  });

  it('turns a non-JSON answer into an http_<status> error', async () => {
    mockFetch(502, 'Bad Gateway', 'text/plain');
    const err = await rejection(listStaff('rathaus-1'));
    expect([err.status, err.code, err.field, err.message]).toEqual([502, 'http_502', '', 'Bad Gateway']);
  });

  it('turns JSON without an error object into an http_<status> error', async () => {
    mockFetch(404, JSON.stringify({ nope: true }));
    const err = await rejection(listStaff());
    expect(err.code).toBe('http_404');
  });

  it('turns a failed connection into code network, status 0', async () => {
    vi.stubGlobal('fetch', async () => {
      throw new TypeError('Failed to fetch');
    });
    const err = await rejection(listPresentVisits('rathaus-1'));
    expect([err.status, err.code]).toEqual([0, 'network']);
  });
});

describe('api requests', () => {
  it('posts a visit as JSON', async () => {
    const calls = mockFetch(201, JSON.stringify({ id: 'v1', name: 'Erika', host: 's1', status: 'waiting' }));
    const v = await createVisit({ building: 'rathaus-1', name: 'Erika', phone: '0171', email: '', address: '', host: 's1', appointment_id: '', reason: '' });
    expect(v.id).toBe('v1');
    expect(calls[0].url).toBe('/api/visits');
    expect(calls[0].init.method).toBe('POST');
    expect(JSON.parse(String(calls[0].init.body))).toMatchObject({ building: 'rathaus-1', name: 'Erika', host: 's1' });
  });

  it('posts the pick-up with the host as "by"', async () => {
    const calls = mockFetch(200, JSON.stringify({ id: 'v 1', status: 'escorted' }));
    await pickupVisit('v 1', 'staff-1');
    expect(calls[0].url).toBe('/api/visits/v%201/pickup');
    expect(JSON.parse(String(calls[0].init.body))).toEqual({ by: 'staff-1' });
  });

  it('puts building and day in the query', async () => {
    const calls = mockFetch(200, '[]');
    await listVisits('rathaus-1', '2025-11-21');
    expect(calls[0].url).toBe('/api/visits?building=rathaus-1&day=2025-11-21');
  });

  it('leaves out an unset building', async () => {
    const calls = mockFetch(200, 'null');
    expect(await listStaff()).toEqual([]);
    expect(calls[0].url).toBe('/api/staff');
  });

  it('builds the badge address', () => {
    expect(badgeUrl('abc')).toBe('/api/print/badge/abc.pdf');
  });
});

describe('appointments api', () => {
  it('asks for slots with the services as a comma list', async () => {
    const calls = mockFetch(200, '[]');
    await listSlots({ building: 'buergerbuero', services: ['personalausweis', 'anmeldung'], from: '2026-11-18', days: 7, channel: 'phone' });
    expect(calls[0].url).toBe(
      '/api/slots?building=buergerbuero&services=personalausweis%2Canmeldung&from=2026-11-18&days=7&channel=phone',
    );
  });

  it('reads a taken slot as code slot_taken', async () => {
    mockFetch(409, JSON.stringify({ error: { code: 'slot_taken', message: 'Der Termin ist schon vergeben.' } }));
    const err = await rejection(
      bookAppointment({
        building: 'buergerbuero',
        services: ['personalausweis'],
        start: '2026-11-18T08:15:00+01:00',
        channel: 'desk',
        citizen: { name: 'Erika', birth_date: '1980-03-12', phone: '', email: '' },
      }),
    );
    expect([err.status, err.code]).toEqual([409, 'slot_taken']);
  });

  it('sends the name on the second check-in attempt', async () => {
    const calls = mockFetch(409, JSON.stringify({ error: { code: 'ambiguous', field: 'name', message: 'Name?' } }));
    const err = await rejection(checkIn({ building: 'buergerbuero', birth_date: '1980-03-12' }));
    expect([err.code, err.field]).toEqual(['ambiguous', 'name']);
    mockFetch(200, JSON.stringify({ appointment: { id: 'a1' }, ticket: 'A-017' }));
    const r = await checkIn({ building: 'buergerbuero', birth_date: '1980-03-12', name: 'Erika' });
    expect(r.ticket).toBe('A-017');
    expect(JSON.parse(String(calls[0].init.body))).toEqual({ building: 'buergerbuero', birth_date: '1980-03-12' });
  });

  it('posts moves and calls to the right paths', async () => {
    const calls = mockFetch(200, '{}');
    await moveAppointment('a 1', '2026-11-19T09:00:00+01:00');
    await callNext('schalter-1');
    expect(calls.map((c) => c.url)).toEqual(['/api/appointments/a%201/move', '/api/counters/schalter-1/call-next']);
    expect(JSON.parse(String(calls[0].init.body))).toEqual({ start: '2026-11-19T09:00:00+01:00' });
  });

  it('lists calls with a limit and builds the slip address', async () => {
    const calls = mockFetch(200, 'null');
    expect(await listCalls('buergerbuero', 7)).toEqual([]);
    expect(calls[0].url).toBe('/api/calls?building=buergerbuero&limit=7');
    expect(slipUrl('a1')).toBe('/api/print/slip/a1.pdf');
  });
});

/** A stand-in for the browser's EventSource, driven by the test. */
class FakeEventSource {
  static CONNECTING = 0;
  static OPEN = 1;
  static CLOSED = 2;
  static all: FakeEventSource[] = [];
  readyState = FakeEventSource.CONNECTING;
  onopen: (() => void) | null = null;
  onerror: (() => void) | null = null;
  listeners = new Map<string, (e: MessageEvent) => void>();
  closed = false;
  constructor(readonly url: string) {
    FakeEventSource.all.push(this);
  }
  addEventListener(type: string, fn: (e: MessageEvent) => void) {
    this.listeners.set(type, fn);
  }
  close() {
    this.closed = true;
    this.readyState = FakeEventSource.CLOSED;
  }
  open() {
    this.readyState = FakeEventSource.OPEN;
    this.onopen?.();
  }
  emit(type: string, data: string) {
    this.listeners.get(type)?.(new MessageEvent(type, { data }));
  }
  fail(closed: boolean) {
    this.readyState = closed ? FakeEventSource.CLOSED : FakeEventSource.CONNECTING;
    this.onerror?.();
  }
}

describe('followCalls', () => {
  it('delivers calls, and opens a new stream when the server closed it', () => {
    vi.useFakeTimers();
    FakeEventSource.all = [];
    vi.stubGlobal('EventSource', FakeEventSource);
    const got: CallEvent[] = [];
    let opens = 0;
    let downs = 0;
    const stream = followCalls('buergerbuero', { call: (c) => got.push(c), open: () => opens++, down: () => downs++ }, 1000);

    const first = FakeEventSource.all[0];
    expect(first.url).toBe('/api/calls/stream?building=buergerbuero');
    first.open();
    const c: CallEvent = { ticket: 'A-017', counter: 'c3', counter_name: 'Schalter 3', at: '2026-11-18T08:30:00+01:00', appointment_id: 'a1' };
    first.emit('call', JSON.stringify(c));
    first.emit('call', 'not json');
    expect(got).toEqual([c]);

    // A dropped connection that EventSource retries itself: no new stream.
    first.fail(false);
    expect(FakeEventSource.all).toHaveLength(1);
    // Given up (error status): a new one after the pause.
    first.fail(true);
    expect(downs).toBe(2);
    vi.advanceTimersByTime(999);
    expect(FakeEventSource.all).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(FakeEventSource.all).toHaveLength(2);
    FakeEventSource.all[1].open();
    expect(opens).toBe(2);

    stream.close();
    expect(FakeEventSource.all[1].closed).toBe(true);
    vi.useRealTimers();
  });
});

describe('followVisits', () => {
  it("hands a host's visits and visit hints from one stream to their handlers, on every reconnection", () => {
    vi.useFakeTimers();
    FakeEventSource.all = [];
    vi.stubGlobal('EventSource', FakeEventSource);
    const visits: string[] = [];
    const hints: VisitHint[] = [];
    const stream = followVisits({ host: 'staff-mueller' }, { visit: (v) => visits.push(v.id), hint: (h) => hints.push(h) }, 1000);

    const first = FakeEventSource.all[0];
    expect(first.url).toBe('/api/visits/stream?host=staff-mueller');
    const h: VisitHint = { id: 'v1', host: 'staff-mueller', origin: 'eingang' };
    first.emit('visit-hint', JSON.stringify(h));
    first.emit('visit', JSON.stringify({ id: 'v1' }));
    first.fail(true);
    vi.advanceTimersByTime(1000);
    FakeEventSource.all[1].emit('visit', JSON.stringify({ id: 'v2' }));
    expect(hints).toEqual([h]);
    expect(visits).toEqual(['v1', 'v2']);
    stream.close();
    vi.useRealTimers();
  });

  it('leaves visit hints alone without a hint handler (reception)', () => {
    FakeEventSource.all = [];
    vi.stubGlobal('EventSource', FakeEventSource);
    const stream = followVisits({ building: 'rathaus-1' }, { visit: () => {} });
    expect([...FakeEventSource.all[0].listeners.keys()]).toEqual(['visit']);
    stream.close();
  });
});

describe('getSyncStatus', () => {
  it('GETs /api/sync/status and answers it as sent', async () => {
    const body = { site: 'rathaus-1', replicating: true, vector: { 'rathaus-1': 120 }, peers: [] };
    const calls = mockFetch(200, JSON.stringify(body));
    expect(await getSyncStatus()).toEqual(body);
    expect(calls[0].url).toBe('/api/sync/status');
    expect(calls[0].init.method).toBe('GET');
  });
});
