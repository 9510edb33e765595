// Two sites, one test: the reception of Rathaus I (site A) registers a
// visitor for Anna Müller, whose desk ("Meine Besuche") is open against
// another site (B, Rathaus II) of the same cluster. Two real `pforte serve`
// processes joined by gossip with a cluster key, Debian's Chromium in front
// of each. The host's desk must show "Besuch wartet am Eingang …" within a
// second of the Enter at reception, ring and raise a desktop notification;
// "Ich hole ab" there must show at reception as "Anna Müller kommt".
//
// Build first, from the repository root:
//
//   (cd frontend && npm run build) && CGO_ENABLED=0 go build -o bin/pforte .

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
  removeDir,
  startServer,
  invite,
  stopServer,
  tempDataDir,
  unusedPort,
  writeClusterKey,
  signIn,
} from './helpers.mjs';

const HOST = { id: 'staff-mueller', name: 'Anna Müller' };
const WHERE = 'Rathaus I, Eingang über den Rathausinnenhof';

describe('host notification across two sites', { timeout: 300_000 }, () => {
  const dirs = [];
  let a; // reception, Rathaus I
  let b; // the host's desk, Rathaus II
  let browser;
  let reception;
  let desk;
  const pageErrors = [];

  before(async () => {
    checkPrerequisites();
    dirs.push(tempDataDir(), tempDataDir());
    const key = writeClusterKey(join(dirs[0], 'cluster.key'));
    const gossipA = `127.0.0.1:${await unusedPort()}`;
    a = await startServer(dirs[0], {
      site: 'e2e-pforte-r1',
      building: 'rathaus-1',
      extraArgs: ['--gossip', gossipA, '--cluster-key', key],
    });
    b = await startServer(dirs[1], {
      site: 'e2e-desk-r2',
      building: 'rathaus-2',
      extraArgs: ['--gossip', '127.0.0.1:0', '--join', gossipA, '--cluster-key', key, '--enroll', await invite(a, 'e2e-desk-r2', 'rathaus-2')],
    });
    browser = await launchBrowser();
    await Promise.all([signIn(browser.context, a), signIn(browser.context, b)]);
    // Record desktop notifications instead of showing them.
    await browser.context.addInitScript(() => {
      window.__notes = [];
      class FakeNotification {
        static permission = 'granted';
        static requestPermission = async () => 'granted';
        constructor(title, opts) {
          window.__notes.push({ title, body: opts?.body ?? '', at: performance.now() });
        }
        close() {}
      }
      window.Notification = FakeNotification;
    });
    reception = browser.context.pages()[0] ?? (await browser.context.newPage());
    desk = await browser.context.newPage();
    for (const p of [reception, desk]) p.on('pageerror', (err) => pageErrors.push(String(err)));
  });

  after(async () => {
    await browser?.close();
    await killServer(a);
    await killServer(b);
    dirs.forEach(removeDir);
  });

  it('the two sites replicate', async () => {
    await eventually('each site synced with the other', async () => {
      for (const [s, other] of [
        [a, 'e2e-desk-r2'],
        [b, 'e2e-pforte-r1'],
      ]) {
        const st = await getJSON(s, '/api/sync/status');
        assert.ok(st.peers?.some((p) => p.site === other && p.last_sync), `${st.site} has synced with ${other}`);
      }
    }, 30_000);
  });

  it('the host picks herself once on the desk of the other site, and it is remembered', async () => {
    await desk.goto(`${b.url}/#/besuche`);
    const me = desk.locator('#host-me[data-staff-count]');
    await me.waitFor();
    await me.click();
    await desk.keyboard.type('Mül');
    await desk.keyboard.press('Enter');
    await desk.getByTestId('host-empty').waitFor();
    await desk.reload();
    await desk.getByTestId('host-empty').waitFor();
    // The list may come before the staff: the name fills in once they are
    // loaded (it raced the assertion: one fresh run in seven failed here).
    await desk.locator('#host-me[data-staff-count]').waitFor();
    await desk
      .waitForFunction(() => /Anna Müller/.test(document.querySelector('#host-me')?.value ?? ''), null, { timeout: 5_000 })
      .catch(() => {});
    assert.match(await desk.locator('#host-me').inputValue(), /Anna Müller/);
  });

  it('a visitor registered at reception shows on the host desk within a second', async () => {
    await reception.goto(`${a.url}/#/empfang`);
    await reception.locator('[data-testid="host-input"][data-staff-count]').waitFor();
    const k = reception.keyboard;
    await k.type('Greta Gast', { delay: 10 });
    await k.press('Tab');
    await k.type('0171 555', { delay: 10 });
    await k.press('Tab');
    await k.press('Tab');
    await k.press('Tab');
    await k.type('mül', { delay: 10 });
    await k.press('Enter'); // picks Anna Müller and goes on to the reason (a walk-in)
    await k.type('Beratung', { delay: 10 });
    const waiting = desk.getByTestId('host-waiting');
    const t0 = Date.now();
    await k.press('Enter');
    await waiting.waitFor({ timeout: 10_000 });
    const latency = Date.now() - t0;
    console.log(`# host desk at the other site shows the visitor ${latency} ms after Enter at reception`);
    assert.equal(await waiting.innerText(), `Besuch wartet am Eingang: ${WHERE}`);
    assert.ok(latency < 1000, `notification took ${latency} ms, want under 1 s`);
    const notes = await desk.evaluate(() => window.__notes);
    assert.equal(notes.length, 1, 'one desktop notification');
    assert.equal(notes[0].title, 'Besuch wartet am Eingang');
    // The Serf hint often comes before the visit's data: then the one
    // ring says a visitor was registered, without a name (no personal
    // data travels in a hint); else it names the visitor.
    assert.match(notes[0].body, /Greta Gast|Daten folgen/);
    await desk.getByTestId('host-visit').filter({ hasText: 'Greta Gast' }).waitFor({ timeout: 5_000 });
    await desk.screenshot({ path: join(OUT, 'host-desk.png') });
  });

  it('"Ich hole ab" on the host desk shows at reception', async () => {
    await desk.getByTestId('host-coming').click();
    await desk.getByTestId('host-coming-done').waitFor();
    const row = reception.getByTestId('present-row').filter({ hasText: 'Greta Gast' });
    const t0 = Date.now();
    await row.getByTestId('coming').waitFor({ timeout: 10_000 });
    console.log(`# reception shows who is coming ${Date.now() - t0} ms after the host's click was answered`);
    assert.equal(await row.getByTestId('coming').innerText(), `${HOST.name} kommt`);
    assert.equal(await row.getByTestId('status').innerText(), 'wartet');
    await reception.screenshot({ path: join(OUT, 'reception-coming.png') });
    // One keystroke on the row: picked up.
    await row.focus();
    await reception.keyboard.press('a');
    await eventually('picked up', async () => assert.equal(await row.getByTestId('status').innerText(), 'abgeholt'));
    await eventually('host desk shows the visitor as picked up', async () => {
      assert.equal(await desk.getByTestId('host-visit').first().getAttribute('data-status'), 'escorted');
    });
  });

  it('raised no script errors and both sites stop cleanly', async () => {
    assert.deepEqual(pageErrors, []);
    await stopServer(a);
    await stopServer(b);
  });
});
