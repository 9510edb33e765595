import { describe, expect, it } from 'vitest';
import { hrefFor, parseRoute } from './route';

describe('parseRoute', () => {
  it('reads the token pages', () => {
    expect(parseRoute('#/termin/abc123')).toEqual({ page: 'booking', token: 'abc123' });
    expect(parseRoute('#/bestaetigen/abc123')).toEqual({ page: 'confirm', token: 'abc123' });
    expect(parseRoute('#/absagen/abc123')).toEqual({ page: 'cancel', token: 'abc123' });
  });

  it('falls back to the booking flow', () => {
    for (const h of ['', '#', '#/', '#/termin/', '#/unbekannt/x', '#main']) expect(parseRoute(h)).toEqual({ page: 'flow' });
  });

  it('round-trips through hrefFor', () => {
    const r = { page: 'confirm', token: 'a-b_c.D' } as const;
    expect(parseRoute(hrefFor(r))).toEqual(r);
  });
});
