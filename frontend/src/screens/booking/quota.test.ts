import { describe, expect, it } from 'vitest';
import { quotaText } from './quota';

const summary = { building: 'buergerbuero', day: '2026-11-18', escrowed: true, owned_places: 40, free_places: 12, tickets: 3 };

describe('quotaText', () => {
  it('says how many places of the allotment are left, offline', () => {
    expect(quotaText(true, summary)).toBe('Offline: noch 12 Plätze Ihres Kontingents heute');
  });
  it('says Platz for one', () => {
    expect(quotaText(true, { ...summary, free_places: 1 })).toBe('Offline: noch 1 Platz Ihres Kontingents heute');
  });
  it('says 0 when the allotment is used up', () => {
    expect(quotaText(true, { ...summary, free_places: 0 })).toBe('Offline: noch 0 Plätze Ihres Kontingents heute');
  });
  it('says so when this site owns nothing of the day', () => {
    expect(quotaText(true, { ...summary, owned_places: 0, free_places: 0 })).toMatch(/kein Kontingent/);
  });
  it.each([
    ['online', false, summary],
    ['no answer yet', true, null],
    ['a building without tokens', true, { ...summary, escrowed: false }],
  ])('is empty: %s', (_, offline, s) => {
    expect(quotaText(offline as boolean, s)).toBe('');
  });
});
