import { describe, expect, it } from 'vitest';
import { changed, draftOf, homeDefaultNote, homeShare, otherSites, percentOf, updateOf, type Draft } from './kontingente';

const saved = { id: 'buergerbuero', name: 'Bürger Büro', home_site: 'bb', allotments: { filiale: 20 }, token_minutes: 60 };

describe('percentOf', () => {
  it.each<[unknown, number]>([
    [20, 20],
    ['35', 35],
    ['', 0],
    [null, 0],
    ['abc', 0],
    [12.7, 12],
    [-5, -5],
  ])('%j → %d', (v, want) => expect(percentOf(v)).toBe(want));
});

describe('homeShare', () => {
  it('keeps what the others do not get', () => {
    expect(homeShare({ home_site: 'bb', percents: { a: 20, b: 15 }, token_minutes: 60 })).toBe(65);
  });
  it('ignores a share the home site has itself and negative typing', () => {
    expect(homeShare({ home_site: 'bb', percents: { bb: 30, a: -10, b: 10 }, token_minutes: 60 })).toBe(90);
  });
  it('goes below zero when the shares add up to more than 100', () => {
    expect(homeShare({ home_site: 'bb', percents: { a: 70, b: 40 }, token_minutes: 60 })).toBe(-10);
  });
});

describe('otherSites', () => {
  it('lists every known site and every allotted one but the home site, by name', () => {
    const d: Draft = { home_site: 'bb', percents: { zweig: 5 }, token_minutes: 60 };
    expect(otherSites(d, ['filiale', 'bb', 'anbau', ''])).toEqual(['anbau', 'filiale', 'zweig']);
  });
});

describe('updateOf', () => {
  it('sends only sites with a share, never the home site', () => {
    const d: Draft = { home_site: 'bb', percents: { bb: 40, a: 0, b: 25, c: '' as unknown as number }, token_minutes: 30 };
    expect(updateOf(d)).toEqual({ home_site: 'bb', allotments: { b: 25 }, token_minutes: 30 });
  });
  it('sends a bad share as it is, for the server to name', () => {
    expect(updateOf({ home_site: 'bb', percents: { a: 120 }, token_minutes: 60 }).allotments).toEqual({ a: 120 });
  });
});

describe('changed', () => {
  it('is false for the saved settings and true after an edit', () => {
    const d = draftOf(saved);
    expect(changed(d, saved)).toBe(false);
    d.percents.filiale = 25;
    expect(changed(d, saved)).toBe(true);
  });
  it('does not count a new site left at 0', () => {
    const d = draftOf(saved);
    d.percents.anbau = 0;
    expect(changed(d, saved)).toBe(false);
  });
});

describe('default home site', () => {
  const byDefault = { ...saved, home_site: 's1', home_site_default: true };

  it('is not sent while left as it is, so it stays the default', () => {
    const d = draftOf(byDefault);
    d.percents.filiale = 30;
    expect(updateOf(d, byDefault)).toEqual({ allotments: { filiale: 30 }, token_minutes: 60 });
    expect(changed(d, byDefault)).toBe(true);
  });
  it('is sent once another site is chosen', () => {
    const d = draftOf(byDefault);
    d.home_site = 'filiale';
    expect(updateOf(d, byDefault).home_site).toBe('filiale');
  });
  it('a chosen home site is always sent', () => {
    expect(updateOf(draftOf(saved), saved).home_site).toBe('bb');
  });
  it('says it is the default and how it is found', () => {
    expect(homeDefaultNote(byDefault)).toBe(
      'Heimatstandort: s1 (Standard: der erste Standort des Gebäudes; ohne eigenen Standort der erste Standort des Verbunds)',
    );
    expect(homeDefaultNote(saved)).toBe('');
    expect(homeDefaultNote({ ...saved, home_site_default: false })).toBe('');
  });
});
