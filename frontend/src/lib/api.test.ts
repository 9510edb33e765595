import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError, badgeUrl, createVisit, listPresentVisits, listStaff, listVisits, pickupVisit } from './api';

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
