import { describe, expect, it } from 'vitest';
import { buildingsText, emptyForm, formProblem, rolesText, toggled } from './accounts';

describe('rolesText', () => {
  it('names the roles in the fixed order', () => {
    expect(rolesText(['admin', 'empfang'])).toBe('Empfang, Administration');
  });
});

describe('buildingsText', () => {
  const bs = [
    { id: 'rathaus-1', name: 'Rathaus' },
    { id: 'rathaus-2', name: 'Technisches Rathaus' },
  ];
  it('none: every building', () => expect(buildingsText([], bs)).toBe('alle Gebäude'));
  it('by name, an unknown id as it is', () => expect(buildingsText(['rathaus-2', 'alt'], bs)).toBe('Technisches Rathaus, alt'));
});

describe('formProblem', () => {
  const ok = { ...emptyForm(), user: 'mmuster', name: 'Maria Muster', password: 'geheim-lang-genug', roles: ['empfang' as const] };
  const cases = [
    { name: 'complete', form: ok, creating: true, want: null },
    { name: 'new account without user name', form: { ...ok, user: ' ' }, creating: true, want: 'user' },
    { name: 'without name', form: { ...ok, name: '' }, creating: false, want: 'name' },
    { name: 'new account without password', form: { ...ok, password: '' }, creating: true, want: 'password' },
    { name: 'an edit keeps the password', form: { ...ok, password: '' }, creating: false, want: null },
    { name: 'without a role', form: { ...ok, roles: [] }, creating: false, want: 'roles' },
  ];
  for (const c of cases) {
    it(c.name, () => expect(formProblem(c.form, c.creating)?.field ?? null).toBe(c.want));
  }
});

describe('toggled', () => {
  it('keeps the order of all', () => expect(toggled(['c'], 'a', true, ['a', 'b', 'c'])).toEqual(['a', 'c']));
  it('removes', () => expect(toggled(['a', 'c'], 'a', false, ['a', 'b', 'c'])).toEqual(['c']));
});
