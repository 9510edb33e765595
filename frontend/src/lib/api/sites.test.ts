import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from './client';
import { getSites, inviteSite, revokeSite, rotateClusterKey } from './sites';

type Call = { url: string; init: RequestInit };

function mockFetch(status: number, body: unknown) {
  const calls: Call[] = [];
  vi.stubGlobal('fetch', async (url: string, init: RequestInit) => {
    calls.push({ url, init });
    return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
  });
  return calls;
}

afterEach(() => vi.unstubAllGlobals());

describe('getSites', () => {
  it('fills in absent lists', async () => {
    mockFetch(200, { root: 's1', self: 's1', sites: [{ site: 's1', home_of: null }], invitations: null });
    const s = await getSites();
    expect(s.sites[0].home_of).toEqual([]);
    expect(s.sites[0].revoked).toBeNull();
    expect(s.invitations).toEqual([]);
    expect(s.refused).toEqual([]);
    expect(s.gossip_keys).toEqual({ primary: '', count: 0 });
  });
});

describe('inviteSite', () => {
  it('posts the site and the building', async () => {
    const calls = mockFetch(201, { token: 't', expires_at: '2026-11-19T08:00:00Z', command: 'pforte serve' });
    expect((await inviteSite('rathaus-2', 'rathaus-2')).token).toBe('t');
    expect(calls[0].url).toBe('/api/sites/invitations');
    expect(JSON.parse(String(calls[0].init.body))).toEqual({ site: 'rathaus-2', building: 'rathaus-2' });
  });
  it('rejects with the field the server names', async () => {
    mockFetch(400, { error: { code: 'invalid_field', message: 'Name vergeben', field: 'site' } });
    const err = await inviteSite('s1', 'rathaus-1').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).field).toBe('site');
  });
});

describe('revokeSite', () => {
  it('names the site in the path and sends last_seq and the reason', async () => {
    const calls = mockFetch(200, { site: 'a/b' });
    await revokeSite('a/b', 41, 'gestohlen');
    expect(calls[0].url).toBe('/api/sites/a%2Fb/revoke');
    expect(JSON.parse(String(calls[0].init.body))).toEqual({ last_seq: 41, reason: 'gestohlen' });
  });
});

describe('rotateClusterKey', () => {
  it('posts and answers the new primary and count', async () => {
    const calls = mockFetch(200, { primary: 'ab12', count: 1 });
    expect(await rotateClusterKey()).toEqual({ primary: 'ab12', count: 1 });
    expect(calls[0].init.method).toBe('POST');
    expect(calls[0].url).toBe('/api/sites/rotate-key');
  });
});
