import { describe, expect, it } from 'vitest';
import type { Visit } from '../../lib/api';
import { HINT_TTL_MS, cards, settle, takeHint, visitRings, type Pending } from './hints';

const HOST = 'staff-mueller';
const visit = (id: string, over: Partial<Visit> = {}): Visit => ({
  id,
  building: 'rathaus-1',
  name: 'Greta Gast',
  host: HOST,
  arrived_at: '2025-03-03T09:00:00Z',
  status: 'waiting',
  ...over,
});
const hint = (id: string, host = HOST) => ({ id, host, origin: 'site-a' });

describe('takeHint', () => {
  it('rings and adds a placeholder for a new visit of this host', () => {
    const r = takeHint([], hint('v1'), HOST, [], new Set(), 1000);
    expect(r.ring).toBe(true);
    expect(r.pending).toEqual([{ id: 'v1', origin: 'site-a', since: 1000 }]);
  });

  it('ignores another host, a visit already here, a repeated hint and one rung before', () => {
    const p: Pending[] = [{ id: 'v2', origin: 'site-a', since: 0 }];
    expect(takeHint([], hint('v1', 'staff-other'), HOST, [], new Set(), 1)).toEqual({ pending: [], ring: false });
    expect(takeHint([], hint('v1'), HOST, [visit('v1')], new Set(), 1)).toEqual({ pending: [], ring: false });
    expect(takeHint(p, hint('v2'), HOST, [], new Set(), 1)).toEqual({ pending: p, ring: false });
    expect(takeHint([], hint('v3'), HOST, [], new Set(['v3']), 1)).toEqual({ pending: [], ring: false });
  });

  it('ignores a hint without an id', () => {
    expect(takeHint([], { id: '', host: HOST, origin: 'x' }, HOST, [], new Set(), 1).ring).toBe(false);
  });
});

describe('visitRings', () => {
  it('rings for a waiting visitor nobody answered, once', () => {
    expect(visitRings(visit('v1'), new Set())).toBe(true);
    expect(visitRings(visit('v1'), new Set(['v1']))).toBe(false);
    expect(visitRings(visit('v1', { coming_by: 'staff-x' }), new Set())).toBe(false);
    expect(visitRings(visit('v1', { status: 'escorted' }), new Set())).toBe(false);
  });

  it('does not ring again when the hinted visit arrives', () => {
    const announced = new Set<string>();
    const r = takeHint([], hint('v1'), HOST, [], announced, 0);
    if (r.ring) announced.add('v1');
    expect(visitRings(visit('v1'), announced)).toBe(false);
  });
});

describe('cards and settle', () => {
  const p = (id: string, since: number): Pending => ({ id, origin: 'site-a', since });

  it('shows visits, then placeholders of visits still to come', () => {
    const cs = cards([visit('v1')], [p('v2', 0)], 10);
    expect(cs.map((c) => [c.kind, c.id])).toEqual([
      ['visit', 'v1'],
      ['pending', 'v2'],
    ]);
  });

  it('the visit replaces its placeholder', () => {
    const cs = cards([visit('v2')], [p('v2', 0)], 10);
    expect(cs).toHaveLength(1);
    expect(cs[0]).toMatchObject({ kind: 'visit', id: 'v2' });
  });

  it('a placeholder without its visit goes after the time limit', () => {
    expect(cards([], [p('v1', 0)], HINT_TTL_MS - 1)).toHaveLength(1);
    expect(cards([], [p('v1', 0)], HINT_TTL_MS)).toHaveLength(0);
    expect(settle([p('v1', 0), p('v2', 20_000)], [], HINT_TTL_MS)).toEqual([p('v2', 20_000)]);
    expect(settle([p('v1', 0), p('v2', 0)], ['v2'], 5)).toEqual([p('v1', 0)]);
  });
});
