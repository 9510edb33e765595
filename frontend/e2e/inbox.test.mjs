// End-to-end test of the clerks' inbox (Posteingang) against the real
// headless server and Debian's Chromium: a citizen is booked at Schalter 1,
// its clerk falls ill (an absence entered through the API), the booking is
// moved at once and the inbox says whom to tell; "Erledigt" resolves it.
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
  postJSON,
  removeDir,
  startServer,
  stopServer,
  tempDataDir,
  signIn,
} from './helpers.mjs';

const BUILDING = 'buergerbuero';
const NOW = '2026-11-18T08:05:00+01:00';
const DAY = '2026-11-25'; // a week ahead: the moved booking stays in the future

describe('Posteingang: a displaced booking is listed and resolved', { timeout: 120_000 }, () => {
  let dataDir;
  let browser;
  let server;
  let page;
  const pageErrors = [];

  before(async () => {
    checkPrerequisites();
    dataDir = tempDataDir();
    server = await startServer(dataDir, {
      site: 'e2e-inbox',
      building: BUILDING,
      extraArgs: ['--fake-time', NOW],
    });
    browser = await launchBrowser();
    await signIn(browser.context, server);
    page = await browser.context.newPage();
    page.on('pageerror', (e) => pageErrors.push(e));
  });

  after(async () => {
    await browser?.close();
    await killServer(server);
    removeDir(dataDir);
  });

  it('lists the moved booking and resolves it with Erledigt', async () => {
    const slots = await getJSON(server, `/api/slots?building=${BUILDING}&services=anmeldung&from=${DAY}&days=1`);
    const booked = await postJSON(server, '/api/appointments', {
      building: BUILDING,
      services: ['anmeldung'],
      start: slots[0].start,
      channel: 'phone',
      citizen: { name: 'Erika Mustermann', birth_date: '1964-08-12', phone: '02921 555-7', email: '' },
    });
    assert.equal(booked.status, 201, JSON.stringify(booked.body));
    const ill = await postJSON(server, `/api/counters/${booked.body.counter}/absences`, { from: DAY, reason: 'Krankheit' });
    assert.equal(ill.status, 200, JSON.stringify(ill.body));

    await page.goto(`${server.url}/#/posteingang`);
    const row = page.getByTestId('inbox-row');
    await row.first().waitFor();
    assert.equal(await row.count(), 1);
    const text = (await row.first().innerText()).replace(/\s+/g, ' ');
    assert.match(text, /Erika Mustermann/);
    assert.match(text, new RegExp(booked.body.code));
    assert.match(text, /nicht besetzt \(Krankheit\)/);
    assert.match(text, /25\.11\.2026 \d\d:\d\d → 25\.11\.2026 \d\d:\d\d/);
    await eventually('the badge counts one open entry', async () => {
      assert.equal(await page.getByTestId('inbox-badge').innerText(), '1');
    });
    await page.screenshot({ path: join(OUT, 'inbox-open.png') });

    await row.first().getByRole('button', { name: 'Erledigt' }).click();
    await eventually('the entry is resolved', async () => {
      assert.equal(await row.first().getAttribute('data-resolved'), 'true');
      assert.equal(await page.getByTestId('inbox-badge').count(), 0);
    });
    assert.equal(await row.first().getByRole('button').count(), 0, 'a resolved entry offers no action');
    await page.screenshot({ path: join(OUT, 'inbox-resolved.png') });

    const inbox = await getJSON(server, `/api/inbox?building=${BUILDING}`);
    assert.equal(inbox[0].action, 'done');
    assert.deepEqual(pageErrors, []);
    await stopServer(server);
  });
});
