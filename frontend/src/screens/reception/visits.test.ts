import { describe, expect, it } from 'vitest';
import type { Visit } from '../../lib/api';
import { byArrival } from './visits';

function visit(id: string, name: string, arrived_at: string): Visit {
  return { id, building: 'rathaus-1', name, host: 's1', arrived_at, status: 'waiting' };
}

describe('byArrival', () => {
  it('puts the longest waiting first, ties by name, unset last', () => {
    const got = byArrival([
      visit('c', 'Cem', '2025-11-21T10:00:00+01:00'),
      visit('x', 'Xaver', ''),
      visit('b', 'Berta', '2025-11-21T09:00:00+01:00'),
      visit('a', 'Anton', '2025-11-21T10:00:00+01:00'),
    ]).map((v) => v.id);
    expect(got).toEqual(['b', 'a', 'c', 'x']);
  });

  it('copes with null', () => {
    expect(byArrival(null)).toEqual([]);
  });
});
