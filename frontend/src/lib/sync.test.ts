import { describe, expect, it } from 'vitest';
import { ApiError, type SyncPeer, type SyncStatus } from './api';
import {
  OFFLINE_AFTER_MS,
  activePeers,
  ageMs,
  bannerText,
  connectivity,
  lagEntries,
  lagText,
  peerState,
  peerStateText,
  relativeTime,
  sortedPeers,
  vectorEntries,
} from './sync';

const NOW = new Date('2026-11-18T09:05:00+01:00');
const ago = (ms: number) => new Date(NOW.getTime() - ms).toISOString();

function peer(p: Partial<SyncPeer>): SyncPeer {
  return { site: 'rathaus-2', building: 'rathaus', addr: '10.0.0.2:7946', status: 'alive', last_sync: null, ops_received: 0, ops_sent: 0, ...p };
}

function status(s: Partial<SyncStatus>): SyncStatus {
  return { site: 'rathaus-1', replicating: true, vector: {}, peers: [], ...s };
}

describe('peerState', () => {
  it.each([
    ['alive', 'alive', 'erreichbar'],
    ['failed', 'failed', 'ausgefallen'],
    ['left', 'left', 'abgemeldet'],
    ['leaving', 'left', 'abgemeldet'],
    ['unknown', 'unknown', 'unbekannt'],
    ['something-new', 'unknown', 'unbekannt'],
  ])('%s → %s (%s)', (s, want, text) => {
    expect(peerState(s)).toBe(want);
    expect(peerStateText(s)).toBe(text);
  });
});

describe('relativeTime', () => {
  it.each([
    [null, 'noch nie'],
    ['', 'noch nie'],
    ['kein Datum', 'noch nie'],
    [ago(0), 'vor 0 s'],
    [ago(3_400), 'vor 3 s'],
    [ago(59_999), 'vor 59 s'],
    [ago(60_000), 'vor 1 Min.'],
    [ago(2 * 60_000 + 30_000), 'vor 2 Min.'],
    [ago(59 * 60_000), 'vor 59 Min.'],
    [ago(3 * 3_600_000), 'vor 3 Std.'],
    [ago(25 * 3_600_000), 'vor 1 Tag'],
    [ago(3 * 86_400_000), 'vor 3 Tagen'],
  ])('%s → %s', (since, want) => {
    expect(relativeTime(since, NOW)).toBe(want);
  });

  it('a time ahead of the clock is now, not negative', () => {
    expect(relativeTime(ago(-5_000), NOW)).toBe('vor 0 s');
    expect(ageMs(ago(-5_000), NOW)).toBe(0);
  });

  it('reads offsets', () => {
    expect(ageMs('2026-11-18T09:04:58+01:00', NOW)).toBe(2_000);
  });
});

describe('connectivity', () => {
  it('is single without replication, whatever the peers say', () => {
    expect(connectivity(status({ replicating: false }), null, NOW)).toBe('single');
    expect(connectivity(status({ replicating: false, peers: [peer({ status: 'failed' })] }), null, NOW)).toBe('single');
  });

  it('is lone with replication but no other site', () => {
    expect(connectivity(status({ peers: [] }), null, NOW)).toBe('lone');
    expect(connectivity(status({ peers: null }), null, NOW)).toBe('lone');
  });

  it('does not count sites that left', () => {
    expect(connectivity(status({ peers: [peer({ status: 'left' }), peer({ site: 'b', status: 'leaving' })] }), null, NOW)).toBe('lone');
    expect(activePeers([peer({ status: 'left' }), peer({ site: 'b' })]).map((p) => p.site)).toEqual(['b']);
  });

  it('is online when a site is alive and one synced within 60 s', () => {
    const s = status({ peers: [peer({ last_sync: ago(3_000) }), peer({ site: 'b', status: 'failed', last_sync: ago(600_000) })] });
    expect(connectivity(s, null, NOW)).toBe('online');
  });

  it('is offline when no site is alive', () => {
    const s = status({ peers: [peer({ status: 'failed', last_sync: ago(1_000) }), peer({ site: 'b', status: 'unknown' })] });
    expect(connectivity(s, null, NOW)).toBe('offline');
  });

  it('is offline when no site synced in the last 60 s', () => {
    expect(connectivity(status({ peers: [peer({ last_sync: ago(OFFLINE_AFTER_MS) })] }), null, NOW)).toBe('offline');
    expect(connectivity(status({ peers: [peer({ last_sync: ago(OFFLINE_AFTER_MS - 1) })] }), null, NOW)).toBe('online');
    expect(connectivity(status({ peers: [peer({ last_sync: null })] }), null, NOW)).toBe('offline');
  });

  it('the synced site need not be the alive one', () => {
    const s = status({ peers: [peer({ last_sync: null }), peer({ site: 'b', status: 'failed', last_sync: ago(10_000) })] });
    expect(connectivity(s, null, NOW)).toBe('online');
  });

  it('is unreachable when the server cannot be reached', () => {
    expect(connectivity(null, new ApiError(0, 'network', '', 'Failed to fetch'), NOW)).toBe('unreachable');
    // Even with an older status in hand: the server is gone now.
    expect(connectivity(status({}), new ApiError(0, 'network', '', ''), NOW)).toBe('unreachable');
  });

  it('is unknown before the first answer and after other errors', () => {
    expect(connectivity(null, null, NOW)).toBe('unknown');
    expect(connectivity(null, new ApiError(500, 'internal', '', 'boom'), NOW)).toBe('unknown');
    expect(connectivity(null, new Error('x'), NOW)).toBe('unknown');
  });
});

describe('bannerText', () => {
  it('speaks only when offline or unreachable', () => {
    expect(bannerText('offline')).toMatch(/^Offline: keine Verbindung zu den anderen Standorten\. Buchungen und Anmeldungen werden gespeichert/);
    expect(bannerText('unreachable')).toBe('Keine Verbindung zum Pforte-Dienst.');
    for (const c of ['single', 'lone', 'online', 'unknown'] as const) expect(bannerText(c)).toBe('');
  });
});

describe('vectorEntries', () => {
  it('drops demo, puts this site first, then by name, with the peer beside', () => {
    const p = peer({ site: 'rathaus-2', last_sync: ago(1_000) });
    const got = vectorEntries(status({ vector: { demo: 41, 'rathaus-3': 7, 'rathaus-2': 55, 'rathaus-1': 120 }, peers: [p] }));
    expect(got.map((v) => [v.origin, v.seq, v.own])).toEqual([
      ['rathaus-1', 120, true],
      ['rathaus-2', 55, false],
      ['rathaus-3', 7, false],
    ]);
    expect(got[1].peer).toBe(p);
    expect(got[2].peer).toBeUndefined();
  });

  it('is empty for no vector', () => {
    expect(vectorEntries(status({ vector: null }))).toEqual([]);
    expect(vectorEntries(status({ vector: { demo: 3 } }))).toEqual([]);
  });
});

describe('sortedPeers', () => {
  it('sorts by site, unnamed seeds last', () => {
    const got = sortedPeers([peer({ site: '', addr: 'b:1' }), peer({ site: 'z' }), peer({ site: 'a' }), peer({ site: '', addr: 'a:1' })]);
    expect(got.map((p) => p.site || p.addr)).toEqual(['a', 'z', 'a:1', 'b:1']);
  });
});

describe('lagEntries and lagText', () => {
  it('is null until a session showed the peer’s vector', () => {
    expect(lagEntries(peer({}), 'rathaus-1')).toBeNull();
  });

  it('lists this site first, then by name, without the demo origin, in words', () => {
    const p = peer({
      lag: { 'rathaus-2': 0, 'rathaus-1': 3, demo: 0, buergerbuero: 1 },
      ahead: { 'rathaus-2': 2, 'rathaus-1': 0, demo: 0, buergerbuero: 0, zweigstelle: 0 },
    });
    const got = (lagEntries(p, 'rathaus-1') ?? []).map((e) => [e.origin, lagText(e)]);
    expect(got).toEqual([
      ['rathaus-1', '3 Änderungen zurück'],
      ['buergerbuero', '1 Änderung zurück'],
      ['rathaus-2', 'hier fehlen 2 Änderungen'],
      ['zweigstelle', 'aktuell'],
    ]);
  });

  it('names both directions when both lag', () => {
    expect(lagText({ origin: 'x', behind: 1, ahead: 1 })).toBe('1 Änderung zurück, hier fehlt 1 Änderung');
  });
});

