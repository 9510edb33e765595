// End-to-end test of the Standorte screen and the offline banner against
// the real headless server and Debian's Chromium, with three servers and no
// real cluster:
//
// - a single site (--demo, no --gossip): "Replikation aus", no banner;
// - a lone cluster site (--gossip 127.0.0.1:0 with a cluster key, nobody
//   to join): replication on, no other site listed, and no banner: a site
//   with no other site known is alone, not offline (see src/lib/sync.ts);
// - a cluster site whose only replication seed is a port nothing listens
//   on: the seed is listed (unbekannt, noch nie, its error) and every desk
//   screen shows the offline banner, the kiosks do not.
//
// Last, the single site is stopped under an open desk screen: the banner
// says the Pforte service cannot be reached.
//
// Then a real pair ("lag per origin"): two sites joined by gossip; one is
// stopped, the other registers visitors, and its Standorte screen shows the
// stopped site "N Änderungen zurück"; restarted on the same data, it
// catches up and the row says "aktuell".
//
// Build first, from the repository root:
//
//   (cd frontend && npm run build) && CGO_ENABLED=0 go build -o bin/pforte .
//
// See helpers.mjs for PFORTE_BIN, CHROMIUM and E2E_OUT.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import {
  OUT,
  checkPrerequisites,
  eventually,
  getJSON,
  killServer,
  launchBrowser,
  postJSON,
  removeDir,
  sleep,
  startServer,
  invite,
  stopServer,
  tempDataDir,
  unusedPort,
  writeClusterKey,
  signIn,
} from './helpers.mjs';

const BUILDING = 'buergerbuero';
const OFFLINE =
  'Offline: keine Verbindung zu den anderen Standorten. Buchungen und Anmeldungen werden gespeichert und später abgeglichen.';
const UNREACHABLE = 'Keine Verbindung zum Pforte-Dienst.';
// The desks poll every 5 s; a little more than one round.
const POLL_WAIT = 6_000;

const squash = (s) => s.replace(/\s+/g, ' ').trim();

describe('sync status and offline banner', { timeout: 300_000 }, () => {
  const dirs = [];
  let browser;
  let single;
  let lone;
  let cut;
  let page;
  const pageErrors = [];

  const banner = () => page.getByTestId('offline-banner');

  async function openStandorte(server) {
    await page.goto(`${server.url}/#/standorte`);
    await page.getByTestId('sync-replication').waitFor();
  }

  before(async () => {
    checkPrerequisites();
    for (let i = 0; i < 3; i++) dirs.push(tempDataDir());
    const key = writeClusterKey(join(dirs[1], 'cluster.key'));
    const cluster = ['--gossip', '127.0.0.1:0', '--cluster-key', key];
    const seed = `127.0.0.1:${await unusedPort()}`;
    [single, lone, cut] = await Promise.all([
      startServer(dirs[0], { site: 'e2e-einzeln', building: BUILDING }),
      startServer(dirs[1], { site: 'e2e-allein', building: BUILDING, extraArgs: cluster }),
      startServer(dirs[2], { site: 'e2e-getrennt', building: BUILDING, extraArgs: [...cluster, '--sync-seeds', seed] }),
    ]);
    browser = await launchBrowser();
    await Promise.all([single, lone, cut].map((s) => signIn(browser.context, s)));
    page = browser.context.pages()[0] ?? (await browser.context.newPage());
    page.on('pageerror', (err) => pageErrors.push(String(err)));
  });

  after(async () => {
    await browser?.close();
    await Promise.all([single, lone, cut].map((s) => killServer(s)));
    for (const d of dirs) removeDir(d);
  });

  it('a single site: Replikation aus, no banner, and the header still fits at 1280 px', async () => {
    const st = await getJSON(single, '/api/sync/status');
    assert.equal(st.replicating, false);

    await openStandorte(single);
    assert.equal(await page.getByTestId('sync-site').innerText(), 'e2e-einzeln');
    assert.match(await page.getByTestId('sync-replication').innerText(), /^Replikation aus/);
    assert.equal(await page.getByTestId('sync-peers').count(), 0);
    // The demo data is nobody's site: not in "Stand je Standort".
    assert.doesNotMatch(await page.getByTestId('standorte').innerText(), /demo/);
    const admin = page.getByRole('navigation').getByRole('button', { name: 'Verwaltung' });
    assert.equal(await admin.getAttribute('aria-current'), 'true', 'Standorte is in the Verwaltung menu, shown as active');

    await page.goto(`${single.url}/#/empfang`);
    await page.getByTestId('building-select').waitFor();
    // The daily screens stay links; the administration ones are behind Verwaltung.
    for (const width of [1920, 1280, 1024]) {
      await page.setViewportSize({ width, height: 800 });
      const fit = await page.evaluate(() => {
        const bar = document.querySelector('.topbar');
        const nav = bar.querySelector('nav');
        const select = bar.querySelector('.building-select');
        return {
          overflow: bar.scrollWidth - bar.clientWidth,
          height: bar.getBoundingClientRect().height,
          navTop: nav.getBoundingClientRect().top,
          navRight: nav.getBoundingClientRect().right,
          selectTop: select.getBoundingClientRect().top,
          selectRight: select.getBoundingClientRect().right,
          navLeft: nav.getBoundingClientRect().left,
          links: [...nav.querySelectorAll('a, button')].map((a) => a.textContent.trim()),
        };
      });
      assert.deepEqual(fit.links, ['Empfang', 'Besuche', 'Termin buchen', 'Tagesansicht', 'Posteingang', 'Verwaltung']);
      assert.ok(fit.overflow <= 0, `${width} px: header overflows by ${fit.overflow} px`);
      assert.ok(fit.height <= 72, `${width} px: header wraps: ${fit.height} px high`);
      assert.ok(fit.navRight <= width, `${width} px: nav cut off at ${fit.navRight} px`);
      assert.ok(fit.selectRight <= fit.navLeft && Math.abs(fit.selectTop - fit.navTop) < 20, `${width} px: building select on the nav line, beside it`);
    }
    await page.setViewportSize({ width: 1280, height: 800 });

    // The Verwaltung menu by keyboard: Enter opens it on its first entry, the
    // arrows move and wrap, Escape closes it and gives the focus back.
    const entry = () => page.evaluate(() => document.activeElement?.textContent?.trim());
    await admin.focus();
    await page.keyboard.press('Enter');
    assert.equal(await admin.getAttribute('aria-expanded'), 'true');
    assert.equal(await entry(), 'Standorte');
    await page.keyboard.press('ArrowDown');
    assert.equal(await entry(), 'Kontingente');
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('ArrowUp');
    assert.equal(await entry(), 'Einstellungen', 'ArrowUp wraps to the last entry');
    await page.keyboard.press('Escape');
    assert.equal(await admin.getAttribute('aria-expanded'), 'false');
    assert.equal(await entry(), 'Verwaltung', 'Escape gives the focus back to the button');
    // ArrowDown opens it too; Tab goes through the entries.
    await page.keyboard.press('ArrowDown');
    assert.equal(await entry(), 'Standorte');
    await page.keyboard.press('Tab');
    assert.equal(await entry(), 'Kontingente');
    await page.screenshot({ path: join(OUT, 'nav-menu.png') });
    // A click elsewhere closes it.
    await page.locator('main').click({ position: { x: 5, y: 5 } });
    assert.equal(await admin.getAttribute('aria-expanded'), 'false');
    // Space opens it; Enter on an entry goes there and closes the menu.
    await admin.focus();
    await page.keyboard.press('Space');
    await page.keyboard.press('End');
    await page.keyboard.press('Enter');
    await page.getByTestId('settings-form').waitFor();
    assert.equal(await admin.getAttribute('aria-expanded'), 'false', 'the menu closes on navigation');
    assert.equal(await entry(), 'Verwaltung');
    await page.goto(`${single.url}/#/empfang`);
    await page.getByTestId('building-select').waitFor();

    await sleep(POLL_WAIT);
    assert.equal(await banner().count(), 0, 'no offline banner without replication');
  });

  it('a lone cluster site: replication on, no other site, no banner', async () => {
    const v = await postJSON(lone, '/api/visits', {
      building: BUILDING,
      name: 'Erika Mustermann',
      phone: '0171 2345678',
      email: '',
      address: '',
      host: 'staff-aydin',
      appointment_id: '',
      reason: '',
    });
    assert.equal(v.status, 201, JSON.stringify(v.body));
    const st = await getJSON(lone, '/api/sync/status');
    assert.equal(st.replicating, true);
    assert.deepEqual(st.peers, []);
    const seq = st.vector['e2e-allein'];
    assert.ok(seq >= 1, `own changes in the vector: ${JSON.stringify(st.vector)}`);

    await openStandorte(lone);
    assert.match(await page.getByTestId('sync-replication').innerText(), /^Replikation an\. Noch kein anderer Standort bekannt/);
    await page.getByTestId('sync-no-peers').waitFor();
    assert.equal(await page.getByTestId('sync-peer-count').innerText(), '0');
    assert.equal(await page.getByTestId('sync-peer').count(), 0);
    assert.equal(
      squash(await page.getByTestId('sync-vector').innerText()),
      `e2e-allein bis Nr. ${seq} (eigener Standort)`,
    );

    await sleep(POLL_WAIT);
    assert.equal(await banner().count(), 0, 'a lone site is not offline');
    await page.screenshot({ path: join(OUT, 'sync.png'), fullPage: true });

    await page.goto(`${lone.url}/#/tag`);
    await page.locator('nav a[aria-current="page"]', { hasText: 'Tagesansicht' }).waitFor();
    await sleep(1_000);
    assert.equal(await banner().count(), 0);
  });

  it('a site whose only seed does not answer: the seed is listed and every desk shows the offline banner', async () => {
    await openStandorte(cut);
    const row = page.getByTestId('sync-peer');
    await eventually('the seed row', async () => assert.equal(await row.count(), 1));
    const cells = (await row.locator('th, td').allInnerTexts()).map(squash);
    assert.match(cells[0], /^unbenannt 127\.0\.0\.1:\d+$/);
    assert.deepEqual([cells[1], cells[2], cells[3], cells[5]], ['unbekannt', 'noch nie', 'noch kein Abgleich', '0 / 0']);
    await eventually('the seed’s error', async () => {
      assert.match(squash(await row.locator('td.peer-error').innerText()), /refused|127\.0\.0\.1/);
    });
    await eventually('the banner on Standorte', async () => assert.equal(squash(await banner().innerText()), OFFLINE));
    await page.screenshot({ path: join(OUT, 'sync-offline.png'), fullPage: true });

    for (const route of ['empfang', 'termin', 'tag', 'einstellungen']) {
      await page.goto(`${cut.url}/#/${route}`);
      await eventually(`the banner on #/${route}`, async () => assert.equal(squash(await banner().innerText()), OFFLINE));
    }

    // The kiosks are for citizens: no banner there.
    for (const route of ['checkin', 'aufruf']) {
      await page.goto(`${cut.url}/#/${route}`);
      await page.getByTestId('kiosk').waitFor();
      await sleep(POLL_WAIT);
      assert.equal(await banner().count(), 0, `no banner on #/${route}`);
    }
  });

  it('a server that stops answering: Keine Verbindung zum Pforte-Dienst.', async () => {
    await page.goto(`${single.url}/#/empfang`);
    await page.getByTestId('building-select').waitFor();
    await stopServer(single);
    await eventually(
      'the unreachable banner',
      async () => assert.equal(squash(await banner().innerText()), UNREACHABLE),
      POLL_WAIT * 2,
    );
  });

  it('raised no script errors and the servers stop cleanly', async () => {
    assert.deepEqual(pageErrors, []);
    await stopServer(lone);
    await stopServer(cut);
  });
});

describe('lag per origin between two sites', { timeout: 300_000 }, () => {
  const dirs = [tempDataDir(), tempDataDir()];
  let browser;
  let page;
  let rathaus;
  let buero;
  let buero2;
  const pageErrors = [];
  let args;

  const bueroRow = () => page.locator('[data-testid="sync-peer"][data-site="e2e-buero"]');
  const lagOf = (origin) => bueroRow().locator(`[data-testid="sync-peer-lag"] li[data-origin="${origin}"] .lag-text`);
  async function bueroSeen() {
    const st = await getJSON(rathaus, '/api/sync/status');
    return st.peers.find((p) => p.site === 'e2e-buero');
  }

  before(async () => {
    checkPrerequisites();
    const key = writeClusterKey(join(dirs[0], 'cluster.key'));
    const [gossipA, gossipB] = [`127.0.0.1:${await unusedPort()}`, `127.0.0.1:${await unusedPort()}`];
    rathaus = await startServer(dirs[0], { site: 'e2e-rathaus', building: BUILDING, extraArgs: ['--gossip', gossipA, '--cluster-key', key] });
    const token = await invite(rathaus, 'e2e-buero', BUILDING);
    // (a restart with the same flags is fine: --enroll counts once)
    args = { site: 'e2e-buero', building: BUILDING, extraArgs: ['--gossip', gossipB, '--join', gossipA, '--cluster-key', key, '--enroll', token] };
    buero = await startServer(dirs[1], args);
    browser = await launchBrowser();
    await Promise.all([rathaus, buero].map((s) => signIn(browser.context, s)));
    page = browser.context.pages()[0] ?? (await browser.context.newPage());
    page.on('pageerror', (err) => pageErrors.push(String(err)));
  });

  after(async () => {
    await browser?.close();
    await Promise.all([rathaus, buero, buero2].map((s) => killServer(s)));
    for (const d of dirs) removeDir(d);
  });

  const register = async (name) => {
    const v = await postJSON(rathaus, '/api/visits', {
      building: BUILDING, name, phone: '0171 2345678', email: '', address: '', host: 'staff-aydin', appointment_id: '', reason: 'Termin vergessen',
    });
    assert.equal(v.status, 201, JSON.stringify(v.body));
  };

  it('a stopped site falls behind by the changes made meanwhile, and is aktuell again after it synced', async () => {
    await register('Erika Musterfrau'); // so that e2e-rathaus is an origin
    await eventually('a sync with e2e-buero after the first visit', async () => {
      const p = await bueroSeen();
      assert.equal(p?.lag?.['e2e-rathaus'], 0, JSON.stringify(p));
    });
    await page.goto(`${rathaus.url}/#/standorte`);
    await eventually('e2e-buero aktuell', async () => assert.equal(await lagOf('e2e-rathaus').innerText(), 'aktuell'));

    await stopServer(buero);
    for (const name of ['Erika Mustermann', 'Max Mustermann']) await register(name);
    const behind = (await bueroSeen()).lag['e2e-rathaus'];
    assert.ok(behind >= 2, `e2e-buero lags ${behind} changes of e2e-rathaus; want at least the 2 visits`);
    await eventually('the lag on Standorte', async () =>
      assert.equal(await lagOf('e2e-rathaus').innerText(), `${behind} Änderungen zurück`),
    );
    assert.match(squash(await bueroRow().locator('[data-testid="sync-peer-last"]').innerText()), /^vor \d+ (s|Min\.)$/);
    await page.screenshot({ path: join(OUT, 'sync-lag.png'), fullPage: true });

    buero2 = await startServer(dirs[1], args);
    await eventually('e2e-buero caught up', async () => assert.equal(await lagOf('e2e-rathaus').innerText(), 'aktuell'));
    assert.equal((await bueroSeen()).lag['e2e-rathaus'], 0);
    await eventually('e2e-buero erreichbar', async () =>
      assert.equal(await bueroRow().locator('[data-testid="sync-peer-state"]').innerText(), 'erreichbar'),
    );
    await page.screenshot({ path: join(OUT, 'sync-lag-caught-up.png'), fullPage: true });
    assert.deepEqual(pageErrors, []);
    await stopServer(buero2);
    await stopServer(rathaus);
  });
});

