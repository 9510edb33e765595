// The Benutzer screen's rules that need no DOM: how an account reads in the
// list, and what the form must hold before it is sent (the server checks
// again, and more: the password's strength, an admin not locking themself out).

import type { Account, Building, Role } from '../../lib/api';
import { ROLES } from '../../lib/api';
import { de } from '../../lib/messages';

/** What the form edits; password "" keeps it when editing. */
export interface AccountForm {
  user: string;
  name: string;
  password: string;
  roles: Role[];
  buildings: string[];
  disabled: boolean;
}

export function emptyForm(): AccountForm {
  return { user: '', name: '', password: '', roles: [], buildings: [], disabled: false };
}

export function formOf(a: Account): AccountForm {
  return { user: a.user, name: a.name, password: '', roles: [...a.roles], buildings: [...a.buildings], disabled: a.disabled };
}

/** The roles in the form's order, by their German names. */
export function rolesText(roles: readonly string[]): string {
  return ROLES.filter((r) => roles.includes(r))
    .map((r) => de.accounts.roleNames[r])
    .join(', ');
}

/** The buildings by name; none means every building. */
export function buildingsText(ids: readonly string[], buildings: readonly Building[]): string {
  if (ids.length === 0) return de.accounts.allBuildings;
  return ids.map((id) => buildings.find((b) => b.id === id)?.name ?? id).join(', ');
}

/** The first thing the form lacks, with its field; null when it can be sent. */
export function formProblem(f: AccountForm, creating: boolean): { field: string; message: string } | null {
  if (creating && !f.user.trim()) return { field: 'user', message: `${de.accounts.user}: bitte angeben.` };
  if (!f.name.trim()) return { field: 'name', message: `${de.accounts.name}: bitte angeben.` };
  if (creating && !f.password) return { field: 'password', message: `${de.accounts.password}: bitte angeben.` };
  if (f.roles.length === 0) return { field: 'roles', message: de.accounts.needRole };
  return null;
}

/** Toggles v in list, keeping the order of all. */
export function toggled<T>(list: readonly T[], v: T, on: boolean, all: readonly T[]): T[] {
  return all.filter((x) => (x === v ? on : list.includes(x)));
}
