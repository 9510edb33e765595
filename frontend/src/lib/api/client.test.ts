import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError, BACKGROUND_HEADER, inBackground, onAuthLost, request, type AuthLoss } from './client';

type Call = { url: string; init: RequestInit };

function mockFetch(status: number, body: string, headers: Record<string, string> = {}) {
  const calls: Call[] = [];
  vi.stubGlobal('fetch', async (url: string, init: RequestInit) => {
    calls.push({ url, init });
    return new Response(status === 204 ? null : body, { status, headers: { 'Content-Type': 'application/json', ...headers } });
  });
  return calls;
}

const header = (c: Call) => (c.init.headers as Record<string, string>)[BACKGROUND_HEADER];

afterEach(() => {
  vi.unstubAllGlobals();
  onAuthLost(null);
});

describe('background requests', () => {
  it('a request a person makes carries no background mark', async () => {
    const calls = mockFetch(200, '{}');
    await request('GET', '/api/sync/status');
    expect(header(calls[0])).toBeUndefined();
  });

  it('a poll run through inBackground is marked', async () => {
    const calls = mockFetch(200, '{}');
    await inBackground(() => Promise.all([request('GET', '/api/visits'), request('GET', '/api/appointments')]));
    expect(calls.map(header)).toEqual(['1', '1']);
  });

  it('the mark ends with the poll', async () => {
    const calls = mockFetch(200, '{}');
    await inBackground(() => request('GET', '/api/inbox'));
    await request('POST', '/api/visits', {});
    expect(header(calls[1])).toBeUndefined();
  });

  it('a state-changing request is JSON', async () => {
    const calls = mockFetch(200, '{}');
    await request('POST', '/api/session/lock', {});
    expect((calls[0].init.headers as Record<string, string>)['Content-Type']).toBe('application/json');
  });
});

describe('lost sessions', () => {
  const err401 = (code: string) => JSON.stringify({ error: { code, message: 'x' } });

  const cases: { name: string; path: string; code: string; want: AuthLoss[] }[] = [
    { name: 'a locked desk is reported', path: '/api/visits', code: 'locked', want: ['locked'] },
    { name: 'a lost session is reported', path: '/api/sync/status', code: 'unauthenticated', want: ['unauthenticated'] },
    { name: 'a wrong password at sign-in is not', path: '/api/session', code: 'unauthenticated', want: [] },
    { name: 'a wrong unlock is not', path: '/api/session/unlock', code: 'unauthenticated', want: [] },
    { name: 'a wrong pairing code is not', path: '/api/devices/pair', code: 'unauthenticated', want: [] },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      mockFetch(401, err401(c.code));
      const got: AuthLoss[] = [];
      onAuthLost((why) => got.push(why));
      await expect(request('GET', c.path)).rejects.toBeInstanceOf(ApiError);
      expect(got).toEqual(c.want);
    });
  }

  it('a 403 is not a lost session', async () => {
    mockFetch(403, err401('forbidden'));
    const got: AuthLoss[] = [];
    onAuthLost((why) => got.push(why));
    await expect(request('GET', '/api/accounts')).rejects.toBeInstanceOf(ApiError);
    expect(got).toEqual([]);
  });
});

describe('too many attempts', () => {
  it('carries how long to wait', async () => {
    mockFetch(429, JSON.stringify({ error: { code: 'too_many_attempts', message: 'x' } }), { 'Retry-After': '31' });
    const err = await request('POST', '/api/session', {}).catch((e: ApiError) => e);
    expect((err as ApiError).extra.retry_after).toBe(31);
  });
});
