// Which screens a person or device may use, as one table. It mirrors the
// server's route table (app/routes.go): a screen is listed for the roles
// that may call the routes it needs, so nobody is shown a screen that
// answers 403. The server decides; this only keeps the navigation honest.
//
// A new screen is one line here (plus its title in messages.ts and its
// component in App.svelte).

import type { DeviceKind, Role, Session } from './api';

/** Where a screen's link goes: the header's line, the Verwaltung menu, or none (kiosk screens). */
export type NavGroup = 'main' | 'admin' | 'kiosk';

export interface ScreenAccess {
  route: string;
  group: NavGroup;
  /** The roles that may use it. */
  roles: readonly Role[];
  /** The kind of paired device whose one screen this is. */
  device?: DeviceKind;
}

const reception: Role = 'empfang';
const clerk: Role = 'sachbearbeitung';
const manager: Role = 'leitung';
const admin: Role = 'admin';
const dpo: Role = 'datenschutz';

/** Every screen behind the sign-in, in navigation order. */
export const SCREENS: readonly ScreenAccess[] = [
  { route: 'empfang', group: 'main', roles: [reception] },
  { route: 'besuche', group: 'main', roles: [reception, clerk, manager] },
  { route: 'termin', group: 'main', roles: [clerk, manager] },
  { route: 'tag', group: 'main', roles: [clerk, manager] },
  { route: 'posteingang', group: 'main', roles: [manager] },
  { route: 'standorte', group: 'admin', roles: [admin] },
  { route: 'kontingente', group: 'admin', roles: [admin] },
  // A counter's absences: the routes allow the management and the admin.
  { route: 'abwesenheiten', group: 'admin', roles: [manager, admin] },
  { route: 'benutzer', group: 'admin', roles: [admin] },
  { route: 'geraete', group: 'admin', roles: [admin] },
  // Data protection: the management reads the rules and traces contacts.
  { route: 'datenschutz', group: 'admin', roles: [dpo, admin, manager] },
  { route: 'kontaktverfolgung', group: 'admin', roles: [dpo, manager] },
  { route: 'auskunft', group: 'admin', roles: [dpo] },
  { route: 'protokoll', group: 'admin', roles: [dpo, admin] },
  { route: 'onlinetermine', group: 'admin', roles: [admin] },
  // Last in the menu: the e2e tests reach it with End (sync.test.mjs).
  { route: 'einstellungen', group: 'admin', roles: [admin] },
  { route: 'checkin', group: 'kiosk', roles: [clerk, manager], device: 'kiosk' },
  { route: 'aufruf', group: 'kiosk', roles: [clerk, manager], device: 'monitor' },
];

/** Pages shown without a session: the first setup and pairing a device. */
export const OPEN_ROUTES: readonly string[] = ['einrichtung', 'koppeln'];

/** Whether the session may use the screen: a person by role, a device only its own screen. */
export function mayUse(s: ScreenAccess, session: Session | null): boolean {
  if (!session) return false;
  if (session.device) return s.device === session.device.kind;
  const roles = session.user?.roles ?? [];
  return s.roles.some((r) => roles.includes(r));
}

/** The routes of one navigation group the session may use, in order. */
export function navRoutes(group: NavGroup, session: Session | null, screens: readonly ScreenAccess[] = SCREENS): string[] {
  return screens.filter((s) => s.group === group && mayUse(s, session)).map((s) => s.route);
}

/** Whether the session may open route. */
export function mayOpen(route: string, session: Session | null, screens: readonly ScreenAccess[] = SCREENS): boolean {
  const s = screens.find((x) => x.route === route);
  return s !== undefined && mayUse(s, session);
}

/**
 * Where the session starts, and where a route it may not use leads: a
 * device's own screen (with its building), else the first screen of the
 * header, else of the Verwaltung menu; "" when there is none.
 */
export function homeHash(session: Session | null, screens: readonly ScreenAccess[] = SCREENS): string {
  if (session?.device) {
    const s = screens.find((x) => x.device === session.device?.kind);
    return s ? `#/${s.route}?building=${encodeURIComponent(session.device.building)}` : '';
  }
  const first = navRoutes('main', session, screens)[0] ?? navRoutes('admin', session, screens)[0];
  return first ? `#/${first}` : '';
}

/** The buildings a person may act in: their own list, or every one when it is empty. */
export function allowedBuildings<B extends { id: string }>(session: Session | null, buildings: readonly B[]): B[] {
  const mine = session?.user?.buildings ?? [];
  if (session?.device) return buildings.filter((b) => b.id === session.device?.building);
  return mine.length === 0 ? [...buildings] : buildings.filter((b) => mine.includes(b.id));
}
