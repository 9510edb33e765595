import { describe, expect, it } from 'vitest';
import type { RefusedOp, SiteInvitation, SiteRow, Sites } from '../../lib/api/sites';
import {
  canRevoke,
  checkInvite,
  checkRevoke,
  fieldError,
  formatFingerprint,
  homeOfText,
  invitationState,
  invitationText,
  parseSeq,
  personName,
  revokePrefill,
  siteStatusText,
  sortedInvitations,
  sortedRefused,
  sortedSites,
  when,
  whenShort,
} from './sites';

const row = (site: string, enrolled_at: string, more: Partial<SiteRow> = {}): SiteRow => ({
  site,
  building: 'rathaus-1',
  fingerprint: 'a1b2c3d4e5f6a7b8',
  enrolled_at,
  enrolled_by: 'admin',
  invited_by: 's1',
  home_of: [],
  revoked: null,
  ...more,
});

const sitesOf = (rows: SiteRow[], root = 's1', self = 's2'): Sites => ({
  root,
  self,
  sites: rows,
  invitations: [],
  refused: [],
  gossip_keys: { primary: 'ab', count: 1 },
});

describe('when', () => {
  it('shows Berlin wall-clock time, summer and winter', () => {
    expect(when('2026-11-18T07:15:00Z')).toBe('Mi., 18.11.2026, 08:15 Uhr');
    expect(when('2026-07-01T07:15:00Z')).toBe('Mi., 01.07.2026, 09:15 Uhr');
  });
  it('shows a dash for no time', () => {
    expect(when(null)).toBe('–');
    expect(when('')).toBe('–');
  });
});

describe('whenShort', () => {
  it('shows day and time in Berlin', () => {
    expect(whenShort('2026-11-18T07:15:00Z')).toBe('18.11.2026 08:15');
    expect(whenShort('2026-12-31T23:30:00Z')).toBe('01.01.2027 00:30');
  });
  it('shows a dash for no time', () => {
    expect(whenShort(null)).toBe('–');
    expect(whenShort('0001-01-01T00:00:00Z')).toBe('–');
  });
});

describe('formatFingerprint', () => {
  it.each([
    ['A1B2C3D4E5F6', 'a1b2 c3d4 e5f6'],
    ['a1b2c3', 'a1b2 c3'],
    ['a1b2', 'a1b2'],
    ['a1:b2:c3', 'a1:b2:c3'],
    [' a1b2c3d4 ', 'a1b2 c3d4'],
    ['', ''],
  ])('%j → %j', (fp, want) => expect(formatFingerprint(fp)).toBe(want));
});

describe('sortedSites', () => {
  it('puts the founding site first, then by the time they joined, then by name', () => {
    const s = sitesOf([
      row('s3', '2026-11-03T10:00:00Z'),
      row('s2', '2026-11-02T10:00:00Z'),
      row('b', '2026-11-02T10:00:00Z'),
      row('s1', '2026-11-05T10:00:00Z', { invited_by: '' }),
    ]);
    expect(sortedSites(s).map((r) => r.site)).toEqual(['s1', 'b', 's2', 's3']);
  });
  it('leaves out the demo data’s origin', () => {
    expect(sortedSites(sitesOf([row('demo', ''), row('s1', '')])).map((r) => r.site)).toEqual(['s1']);
  });
  it('does not reorder the list it was given', () => {
    const s = sitesOf([row('s2', '2026-11-02T10:00:00Z'), row('s1', '2026-11-01T10:00:00Z')]);
    sortedSites(s);
    expect(s.sites.map((r) => r.site)).toEqual(['s2', 's1']);
  });
});

describe('canRevoke', () => {
  const revoked = { last_seq: 4, reason: 'gestohlen', at: '2026-11-18T10:00:00Z', by: 'admin' };
  const cases: { name: string; r: SiteRow; want: boolean }[] = [
    { name: 'another active site', r: row('s3', ''), want: true },
    { name: 'this site', r: row('s2', ''), want: false },
    { name: 'a site already revoked', r: row('s3', '', { revoked }), want: false },
  ];
  for (const c of cases) it(c.name, () => expect(canRevoke(c.r, 's2')).toBe(c.want));
});

describe('siteStatusText', () => {
  it('says aktiv for a site in use', () => {
    expect(siteStatusText(row('s3', ''))).toBe('aktiv');
  });
  it('names the first change no longer taken and the reason', () => {
    const r = row('s3', '', { revoked: { last_seq: 41, reason: 'Rechner gestohlen', at: '', by: '' } });
    expect(siteStatusText(r)).toBe('widerrufen ab Nr. 42: Rechner gestohlen');
  });
  it('counts from 1 when none of its changes stay', () => {
    const r = row('s3', '', { revoked: { last_seq: 0, reason: 'nie benutzt', at: '', by: '' } });
    expect(siteStatusText(r)).toBe('widerrufen ab Nr. 1: nie benutzt');
  });
});

describe('homeOfText', () => {
  const names: Record<string, string> = { 'rathaus-2': 'Rathaus II', buergerbuero: 'Bürger Büro' };
  const name = (id: string) => names[id] ?? id;
  it('names the buildings', () => {
    expect(homeOfText(['rathaus-2', 'buergerbuero', 'neu'], name)).toBe('Rathaus II, Bürger Büro, neu');
  });
  it('shows a dash for none', () => {
    expect(homeOfText([], name)).toBe('–');
    expect(homeOfText(null, name)).toBe('–');
  });
});

describe('personName', () => {
  it('shows the name when known, else the id', () => {
    const names = new Map([['u1', 'Erika Muster']]);
    expect(personName('u1', names)).toBe('Erika Muster');
    expect(personName('u2', names)).toBe('u2');
  });
});

describe('revokePrefill', () => {
  it('starts at what this site holds of the site', () => {
    expect(revokePrefill({ s1: 12, s3: 41 }, 's3')).toBe(41);
  });
  it('is 0 for a site this site holds nothing of', () => {
    expect(revokePrefill({ s1: 12 }, 's3')).toBe(0);
    expect(revokePrefill(null, 's3')).toBe(0);
    expect(revokePrefill(undefined, 's3')).toBe(0);
  });
  it('ignores nonsense in the vector', () => {
    expect(revokePrefill({ s3: -2 }, 's3')).toBe(0);
    expect(revokePrefill({ s3: Number.NaN }, 's3')).toBe(0);
  });
});

describe('parseSeq', () => {
  it.each<[unknown, number | null]>([
    [0, 0],
    [41, 41],
    ['41', 41],
    [' 7 ', 7],
    ['', null],
    [null, null],
    [-1, null],
    ['-1', null],
    [2.5, null],
    ['2.5', null],
    ['abc', null],
  ])('%j → %j', (v, want) => expect(parseSeq(v)).toBe(want));
});

describe('checkRevoke', () => {
  it('accepts a number and a reason', () => {
    expect(checkRevoke({ last_seq: '41', reason: 'gestohlen' })).toBeNull();
    expect(checkRevoke({ last_seq: 0, reason: 'x' })).toBeNull();
  });
  it('names last_seq first', () => {
    expect(checkRevoke({ last_seq: '', reason: '' })?.field).toBe('last_seq');
    expect(checkRevoke({ last_seq: -3, reason: 'x' })).toEqual({ field: 'last_seq', message: 'Bitte eine ganze Zahl ab 0 angeben.' });
  });
  it('wants a reason, not blanks', () => {
    expect(checkRevoke({ last_seq: 4, reason: '   ' })).toEqual({ field: 'reason', message: 'Bitte einen Grund angeben.' });
  });
});

describe('checkInvite', () => {
  const cases: { name: string; site: string; building: string; want: string | null }[] = [
    { name: 'a name and a building', site: ' rathaus-2 ', building: 'rathaus-2', want: null },
    { name: 'no name', site: '  ', building: 'rathaus-2', want: 'site' },
    { name: 'a name with a space', site: 'rathaus 2', building: 'rathaus-2', want: 'site' },
    { name: 'a name with a tab', site: 'rathaus\t2', building: 'rathaus-2', want: 'site' },
    { name: 'a name over 100 bytes', site: 'ü'.repeat(51), building: 'rathaus-2', want: 'site' },
    { name: 'a name of 100 bytes', site: 'a'.repeat(100), building: 'rathaus-2', want: null },
    { name: 'no building', site: 'rathaus-2', building: '', want: 'building' },
  ];
  for (const c of cases) it(c.name, () => expect(checkInvite(c.site, c.building)?.field ?? null).toBe(c.want));
});

describe('invitations', () => {
  const now = new Date('2026-11-18T10:00:00Z');
  const inv = (site: string, more: Partial<SiteInvitation> = {}): SiteInvitation => ({
    site,
    building: 'rathaus-1',
    created_at: '2026-11-18T08:00:00Z',
    created_by: 'admin',
    expires_at: '2026-11-19T08:00:00Z',
    used_at: null,
    ...more,
  });

  it('is open until it expires', () => {
    expect(invitationState(inv('a'), now)).toBe('pending');
    expect(invitationText(inv('a'), now)).toBe('offen, gültig bis Do., 19.11.2026, 09:00 Uhr');
  });
  it('expires', () => {
    const i = inv('a', { expires_at: '2026-11-18T09:59:59Z' });
    expect(invitationState(i, now)).toBe('expired');
    expect(invitationText(i, now)).toBe('abgelaufen Mi., 18.11.2026, 10:59 Uhr');
  });
  it('once used, is eingelöst even after its expiry', () => {
    const i = inv('a', { used_at: '2026-11-18T09:00:00Z', expires_at: '2026-11-18T09:30:00Z' });
    expect(invitationState(i, now)).toBe('used');
    expect(invitationText(i, now)).toBe('eingelöst Mi., 18.11.2026, 10:00 Uhr');
  });
  it('lists open ones first, then the newest', () => {
    const list = [
      inv('old-used', { used_at: '2026-11-17T09:00:00Z', created_at: '2026-11-17T08:00:00Z' }),
      inv('open', { created_at: '2026-11-16T08:00:00Z', expires_at: '2026-11-20T08:00:00Z' }),
      inv('new-expired', { created_at: '2026-11-18T07:00:00Z', expires_at: '2026-11-18T09:00:00Z' }),
    ];
    expect(sortedInvitations(list, now).map((i) => i.site)).toEqual(['open', 'new-expired', 'old-used']);
  });
});

describe('sortedRefused', () => {
  const op = (origin: string, seq: number, at: string): RefusedOp => ({
    origin,
    seq,
    kind: 'visit',
    entity: 'v1',
    author: 'u1',
    at,
    reason: 'revoked',
  });
  it('lists the newest first', () => {
    const list = [op('s3', 42, '2026-11-18T08:00:00Z'), op('s3', 43, '2026-11-18T09:00:00Z'), op('s4', 1, '2026-11-17T09:00:00Z')];
    expect(sortedRefused(list).map((o) => o.seq)).toEqual([43, 42, 1]);
  });
});

describe('fieldError', () => {
  it('puts an error of a form field beside it', () => {
    expect(fieldError({ field: 'site' }, 'Name vergeben', ['site', 'building'])).toEqual({ field: 'site', message: 'Name vergeben' });
  });
  it('puts any other error under the form', () => {
    expect(fieldError({ field: 'token' }, 'x', ['site'])).toEqual({ field: '', message: 'x' });
    expect(fieldError(new Error('x'), 'x', ['site'])).toEqual({ field: '', message: 'x' });
    expect(fieldError(null, 'x', ['site'])).toEqual({ field: '', message: 'x' });
  });
});
