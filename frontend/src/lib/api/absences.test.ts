import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from './client';
import { addAbsence, previewAbsence, removeAbsence } from './absences';

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

describe('previewAbsence', () => {
  it('posts the range to the preview and fills in an absent list', async () => {
    const calls = mockFetch(200, { counter: { id: 'bb-1', name: 'Schalter 1' }, from: '2026-11-25', to: '2026-11-25', appointments: null });
    const p = await previewAbsence('bb-1', { from: '2026-11-25', to: '', reason: 'Krankheit' });
    expect(p.appointments).toEqual([]);
    expect(calls[0].url).toBe('/api/counters/bb-1/absences/preview');
    expect(calls[0].init.method).toBe('POST');
    expect(JSON.parse(String(calls[0].init.body))).toEqual({ from: '2026-11-25', reason: 'Krankheit' });
  });
  it('rejects with the field the server names', async () => {
    mockFetch(400, { error: { code: 'invalid_field', message: 'Bis liegt vor Von', field: 'to' } });
    const err = await previewAbsence('bb-1', { from: '2026-11-25', to: '2026-11-24' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).field).toBe('to');
  });
});

describe('addAbsence and removeAbsence', () => {
  it('post the absence and delete it by its first day', async () => {
    const calls = mockFetch(200, { id: 'a/b', building: 'buergerbuero', name: 'Schalter', absences: [] });
    await addAbsence('a/b', { from: '2026-11-25', to: '2026-11-27', reason: 'Urlaub' });
    await removeAbsence('a/b', '2026-11-25');
    expect(calls[0].url).toBe('/api/counters/a%2Fb/absences');
    expect(JSON.parse(String(calls[0].init.body))).toEqual({ from: '2026-11-25', to: '2026-11-27', reason: 'Urlaub' });
    expect(calls[1].url).toBe('/api/counters/a%2Fb/absences/2026-11-25');
    expect(calls[1].init.method).toBe('DELETE');
    expect(calls[1].init.body).toBeUndefined();
  });
});
