import { describe, expect, it } from 'vitest';
import { normalizePayload } from './altcha';

const enc = (o: unknown) => btoa(JSON.stringify(o));
const dec = (s: string) => JSON.parse(atob(s));

describe('normalizePayload', () => {
  const base = { algorithm: 'SHA-256', challenge: 'abc', number: 82131, salt: 's?expires=1', signature: 'sig' };

  it('rounds a fractional took and keeps the rest', () => {
    expect(dec(normalizePayload(enc({ ...base, took: 987.2 })))).toEqual({ ...base, took: 987 });
  });

  it('leaves a whole took, a missing took and garbage alone', () => {
    const whole = enc({ ...base, took: 12 });
    expect(normalizePayload(whole)).toBe(whole);
    const none = enc(base);
    expect(normalizePayload(none)).toBe(none);
    expect(normalizePayload('not base64 at all!')).toBe('not base64 at all!');
    expect(normalizePayload('')).toBe('');
  });
});
