import { describe, expect, it } from 'vitest';
import type { Role, Session } from './api';
import { allowedBuildings, homeHash, mayOpen, navRoutes } from './access';

function person(roles: Role[], buildings: string[] = []): Session {
  return { user: { id: 'x', name: 'X', roles, buildings, has_pin: false }, locked: false };
}

const kiosk: Session = { device: { id: 'd1', name: 'Foyer', kind: 'kiosk', building: 'rathaus-2' }, locked: false };
const monitor: Session = { device: { id: 'd2', name: 'Wartebereich', kind: 'monitor', building: 'rathaus-1' }, locked: false };

describe('navRoutes', () => {
  const cases: { name: string; session: Session | null; main: string[]; admin: string[] }[] = [
    { name: 'nobody sees nothing', session: null, main: [], admin: [] },
    { name: 'reception: Empfang and Besuche', session: person(['empfang']), main: ['empfang', 'besuche'], admin: [] },
    { name: 'clerk: Besuche, Termin, Tag', session: person(['sachbearbeitung']), main: ['besuche', 'termin', 'tag'], admin: [] },
    {
      name: 'manager: also the inbox; absences; reads the retention rules, traces contacts',
      session: person(['leitung']),
      main: ['besuche', 'termin', 'tag', 'posteingang'],
      admin: ['abwesenheiten', 'datenschutz', 'kontaktverfolgung'],
    },
    {
      name: 'admin: only the Verwaltung menu',
      session: person(['admin']),
      main: [],
      admin: ['standorte', 'kontingente', 'abwesenheiten', 'benutzer', 'geraete', 'datenschutz', 'protokoll', 'onlinetermine', 'einstellungen'],
    },
    {
      name: 'data protection: its four screens, nothing of the daily work',
      session: person(['datenschutz']),
      main: [],
      admin: ['datenschutz', 'kontaktverfolgung', 'auskunft', 'protokoll'],
    },
    {
      name: 'every role: every screen',
      session: person(['empfang', 'sachbearbeitung', 'leitung', 'admin', 'datenschutz']),
      main: ['empfang', 'besuche', 'termin', 'tag', 'posteingang'],
      admin: [
        'standorte', 'kontingente', 'abwesenheiten', 'benutzer', 'geraete',
        'datenschutz', 'kontaktverfolgung', 'auskunft', 'protokoll', 'onlinetermine', 'einstellungen',
      ],
    },
    { name: 'a kiosk: no navigation', session: kiosk, main: [], admin: [] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(navRoutes('main', c.session)).toEqual(c.main);
      expect(navRoutes('admin', c.session)).toEqual(c.admin);
    });
  }
});

describe('mayOpen', () => {
  it('a kiosk opens the check-in only', () => {
    expect(mayOpen('checkin', kiosk)).toBe(true);
    expect(mayOpen('aufruf', kiosk)).toBe(false);
    expect(mayOpen('empfang', kiosk)).toBe(false);
  });
  it('a monitor opens the call-up only', () => {
    expect(mayOpen('aufruf', monitor)).toBe(true);
    expect(mayOpen('checkin', monitor)).toBe(false);
  });
  it('reception may not book', () => {
    expect(mayOpen('termin', person(['empfang']))).toBe(false);
    expect(mayOpen('benutzer', person(['empfang']))).toBe(false);
  });
  it('a clerk may run the call-up monitor and the check-in', () => {
    expect(mayOpen('aufruf', person(['sachbearbeitung']))).toBe(true);
    expect(mayOpen('checkin', person(['sachbearbeitung']))).toBe(true);
  });
  it('unknown routes are closed', () => {
    expect(mayOpen('nirgendwo', person(['admin']))).toBe(false);
  });
});

describe('homeHash', () => {
  it('a device goes to its screen in its building', () => {
    expect(homeHash(kiosk)).toBe('#/checkin?building=rathaus-2');
    expect(homeHash(monitor)).toBe('#/aufruf?building=rathaus-1');
  });
  it('a person to the first screen of the header', () => {
    expect(homeHash(person(['sachbearbeitung']))).toBe('#/besuche');
  });
  it('an admin to the first screen of the menu', () => {
    expect(homeHash(person(['admin']))).toBe('#/standorte');
  });
  it('the data-protection officer to the retention rules', () => {
    expect(homeHash(person(['datenschutz']))).toBe('#/datenschutz');
  });
  it('nowhere without a screen', () => {
    expect(homeHash({ user: { id: 'x', name: 'X', roles: [], buildings: [], has_pin: false }, locked: false })).toBe('');
  });
});

describe('allowedBuildings', () => {
  const all = [{ id: 'rathaus-1' }, { id: 'rathaus-2' }, { id: 'buergerbuero' }];
  it('no list: every building', () => {
    expect(allowedBuildings(person(['empfang']), all)).toEqual(all);
  });
  it('a list: only those', () => {
    expect(allowedBuildings(person(['empfang'], ['rathaus-2']), all)).toEqual([{ id: 'rathaus-2' }]);
  });
  it('a device: its building', () => {
    expect(allowedBuildings(kiosk, all)).toEqual([{ id: 'rathaus-2' }]);
  });
});
