import { describe, expect, it } from 'vitest';
import type { Staff } from './api';
import { filterStaff, fold, staffLabel } from './search';

const staff: Staff[] = [
  { id: 's1', name: 'Anna Müller', department: 'Bürgerservice', building: 'rathaus-1' },
  { id: 's2', name: 'Jörg Weiß', department: 'Ordnungsamt', building: 'rathaus-1' },
  { id: 's3', name: 'Peter Bürger', department: 'Bauamt', building: 'rathaus-1' },
  { id: 's4', name: 'Zoë Schmidt', department: 'Standesamt', building: 'rathaus-1' },
  { id: 's5', name: 'Klaus Mustermann', department: 'Bürgerservice', building: 'rathaus-1' },
];

const ids = (q: string) => filterStaff(staff, q).map((s) => s.id);

describe('fold', () => {
  it.each([
    ['Müller', 'muller'],
    ['WEISS', 'weiss'],
    ['Weiß', 'weiss'],
    ['Zoë', 'zoe'],
  ])('%s → %s', (input, want) => {
    expect(fold(input)).toBe(want);
  });
});

describe('filterStaff', () => {
  it.each<[string, string, string[]]>([
    ['umlaut typed finds umlaut name', 'mül', ['s1']],
    ['plain vowel finds umlaut name', 'mul', ['s1']],
    ['spelled-out umlaut finds umlaut name', 'mueller', ['s1']],
    ['case does not matter', 'MÜLLER', ['s1']],
    ['ß typed as ss', 'weiss', ['s2']],
    ['ß typed as ß', 'weiß', ['s2']],
    ['by department', 'ordnung', ['s2']],
    ['inside a word, then by name', 'amt', ['s2', 's3', 's4']],
    ['first and last name together', 'anna mü', ['s1']],
    ['name and department together', 'klaus bürger', ['s5']],
    ['no match', 'xyz', []],
  ])('%s: %s', (_name, q, want) => {
    expect(ids(q)).toEqual(want);
  });

  it('puts a name match before a department match', () => {
    // "bürger" is Herr Bürger's name and the department of two others.
    expect(ids('bürger')[0]).toBe('s3');
    expect(ids('bürger').sort()).toEqual(['s1', 's3', 's5']);
  });

  it('gives everyone, sorted by name, for an empty query', () => {
    expect(ids('  ')).toEqual(['s1', 's2', 's5', 's3', 's4']);
  });

  it('honours the limit', () => {
    expect(filterStaff(staff, '', 2)).toHaveLength(2);
  });
});

describe('staffLabel', () => {
  it('shows name and department', () => {
    expect(staffLabel(staff[0])).toBe('Anna Müller — Bürgerservice');
  });
  it('shows the name alone without a department', () => {
    expect(staffLabel({ name: 'Anna Müller', department: '' })).toBe('Anna Müller');
  });
});
