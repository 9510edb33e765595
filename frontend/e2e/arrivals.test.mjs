// The reception's other ways in, end to end in Chromium against the real
// server (on a fake Wednesday morning, so Rathaus I has appointments
// today): a citizen with an appointment registered from "Heute erwartet"
// (the visit is linked and the appointment checked in), the desk set to
// print the badge on registration (a badge job for the visit, waiting
// with a clear message because the printer does not exist), and a visitor
// who was here before (the contact data offered, taken only after
// reception confirms it is the same person).
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
  countedKeyboard,
  eventually,
  getJSON,
  killServer,
  launchBrowser,
  postJSON,
  putJSON,
  removeDir,
  startServer,
  stopServer,
  tempDataDir,
  unusedPort,
  signIn,
} from './helpers.mjs';

const BUILDING = 'rathaus-1';
const SITE = 'e2e-arrivals';
const NOW = '2026-11-18T08:05:00+01:00';
const DAY = '2026-11-18';
// No print server listens there and no such queue exists: a badge waits.
const PRINTER = 'Empfang-Ausweis';
const SCHMIDT = { id: 'staff-schmidt', label: 'Jens Schmidt — Kämmerei' };
const WAGNER = { id: 'staff-wagner', label: 'Thomas Wagner — Ordnungsamt' };

describe('reception: with an appointment, the badge on registration, a visitor seen before', { timeout: 300_000 }, () => {
  let dataDir;
  let server;
  let browser;
  let page;
  let appointment;
  const pageErrors = [];
  const keys = countedKeyboard(() => page);
  const { type, press } = keys;
  const focusedId = () => page.evaluate(() => document.activeElement?.id ?? '');
  const visitsToday = () => getJSON(server, `/api/visits?building=${BUILDING}&day=${DAY}`);

  async function openReception() {
    await page.goto(`${server.url}/#/empfang`);
    await page.locator('[data-testid="host-input"][data-staff-count]').waitFor();
  }

  async function confirmed(name, host) {
    await eventually('confirmation line', async () => {
      assert.equal(
        (await page.getByTestId('confirmation').innerText()).replace(/^✓\s*/, ''),
        `${name} angemeldet — wartet auf Abholung durch ${host}`,
      );
    });
  }

  before(async () => {
    checkPrerequisites();
    dataDir = tempDataDir();
    const cups = `127.0.0.1:${await unusedPort()}`;
    server = await startServer(dataDir, { site: SITE, building: BUILDING, extraArgs: ['--fake-time', NOW], env: { PFORTE_CUPS: cups } });

    const slots = await getJSON(server, `/api/slots?building=${BUILDING}&services=hundesteuer&from=${DAY}&days=1&channel=phone`);
    assert.ok(slots.length > 0, 'a free slot at Rathaus I on the fake Wednesday');
    const a = await postJSON(server, '/api/appointments', {
      building: BUILDING,
      services: ['hundesteuer'],
      start: slots[0].start,
      channel: 'phone',
      citizen: { name: 'Hanna Hundt', birth_date: '1980-04-02', phone: '0171 4711', email: '' },
    });
    assert.equal(a.status, 201, JSON.stringify(a.body));
    appointment = a.body;

    // A visitor who was here earlier today and has left.
    const v = await postJSON(server, '/api/visits', {
      building: BUILDING,
      name: 'Karl Wiederkehr',
      phone: '0160 1234567',
      email: '',
      address: 'Marktplatz 3, 59494 Soest',
      host: WAGNER.id,
      appointment_id: '',
      reason: 'Fundsache abholen',
    });
    assert.equal(v.status, 201, JSON.stringify(v.body));
    assert.equal((await postJSON(server, `/api/visits/${v.body.id}/leave`, {})).status, 200);

    const set = await putJSON(server, '/api/settings/printers', { slip_printer: PRINTER });
    assert.equal(set.status, 200, JSON.stringify(set.body));

    browser = await launchBrowser();
    await signIn(browser.context, server);
    page = browser.context.pages()[0] ?? (await browser.context.newPage());
    page.on('pageerror', (err) => pageErrors.push(String(err)));
  });

  after(async () => {
    await browser?.close();
    await killServer(server);
    removeDir(dataDir);
  });

  it('Einstellungen: the desk is set to print the badge on registration', async () => {
    await page.goto(`${server.url}/#/einstellungen`);
    await page.getByTestId('settings-form').waitFor();
    const toggle = page.getByTestId('set-badge-on-register');
    assert.equal(await toggle.isChecked(), false);
    await toggle.focus();
    await page.keyboard.press('Space');
    await page.getByTestId('settings-save').click();
    await eventually('saved', async () => {
      assert.match(await page.getByTestId('settings-saved').innerText(), /Gespeichert/);
    });
    const saved = await getJSON(server, '/api/settings/printers');
    assert.deepEqual([saved.print_badge_on_register, saved.slip_printer], [true, PRINTER]);
  });

  it('registers the citizen from "Heute erwartet": linked to the appointment, checked in, no walk-in warning', async () => {
    await openReception();
    const row = page.locator(`[data-testid="expected-row"][data-appointment-id="${appointment.id}"]`);
    await row.waitFor();
    assert.match(await row.innerText(), /Hanna Hundt/);
    assert.match(await page.getByTestId('walk-in-warning').innerText(), /Einlass nur mit Termin/);
    await page.screenshot({ path: join(OUT, 'reception-expected.png') });

    await row.getByTestId('expected-take').click();
    assert.equal(await page.getByTestId('visit-name').inputValue(), 'Hanna Hundt');
    assert.equal(await page.getByTestId('visit-phone').inputValue(), '0171 4711');
    assert.match(await page.getByTestId('linked-appointment').innerText(), /Mit Termin \d{2}:\d{2} Uhr: Hanna Hundt/);
    assert.equal(await page.getByTestId('walk-in-warning').count(), 0, 'an appointment is no walk-in');
    await eventually('the focus waits in the host field, the only thing missing', async () => {
      assert.equal(await focusedId(), 'visit-host');
    });

    keys.reset();
    await type('sch');
    await press('Enter'); // picks Jens Schmidt, the only match
    assert.equal(await page.getByTestId('host-input').inputValue(), SCHMIDT.label);
    assert.equal(await focusedId(), 'visit-host', 'nothing else is needed: the focus stays for the Enter that registers');
    await press('Enter');
    await confirmed('Hanna Hundt', 'Jens Schmidt');
    console.log(`# keystrokes to register a citizen from "Heute erwartet" (one click, then host): ${keys.count}`);

    await eventually('gone from "Heute erwartet"', async () => assert.equal(await row.count(), 0));
    await page.getByTestId('present-row').filter({ hasText: 'Hanna Hundt' }).waitFor();
    await page.screenshot({ path: join(OUT, 'reception-from-appointment.png') });

    const visit = (await visitsToday()).find((v) => v.name === 'Hanna Hundt');
    assert.ok(visit, 'the visit is stored');
    assert.equal(visit.appointment_id, appointment.id, 'the visit names its appointment');
    assert.equal(visit.host, SCHMIDT.id);
    const a = (await getJSON(server, `/api/appointments?building=${BUILDING}&day=${DAY}`)).find((x) => x.id === appointment.id);
    assert.equal(a.status, 'checked_in', 'the appointment is checked in');

    // The day view says so too.
    await page.goto(`${server.url}/#/tag`);
    const dayRow = page.locator(`[data-testid="appt-row"][data-appointment-id="${appointment.id}"]`);
    await eventually('day view shows it checked in', async () => assert.equal(await dayRow.getAttribute('data-status'), 'checked_in'));
  });

  it('the registration left a badge job for that visit, waiting with a clear message', async () => {
    const visit = (await visitsToday()).find((v) => v.name === 'Hanna Hundt');
    const jobs = await getJSON(server, '/api/print/jobs');
    const badge = jobs.filter((j) => j.document === 'badge' && j.ref === visit.id);
    assert.equal(badge.length, 1, `one badge job for the visit: ${JSON.stringify(jobs)}`);
    assert.equal(badge[0].printer, PRINTER);
    assert.match(badge[0].last_error ?? '', /\S/, 'the job says why it waits');

    await page.goto(`${server.url}/#/einstellungen`);
    const job = page.locator(`[data-testid="print-job"][data-job-id="${badge[0].job_id}"]`);
    await job.waitFor();
    assert.equal(await job.getAttribute('data-document'), 'badge');
    assert.match(await job.innerText(), /Besucherausweis/);
    assert.match(await job.innerText(), new RegExp(`Drucker „${PRINTER}“ ist nicht erreichbar`));
    await page.screenshot({ path: join(OUT, 'settings-badge-job.png') });
  });

  it('offers an earlier visitor’s contact data and takes it only after Alt+Ü', async () => {
    await openReception();
    assert.equal(await focusedId(), 'visit-name');
    keys.reset();
    await type('Karl Wiederkehr');
    const offer = page.getByTestId('recent-visit');
    await offer.waitFor();
    assert.match(await offer.innerText(), /War schon einmal hier \(.+\)\. Dieselbe Person\?/);
    assert.match(await offer.innerText(), /0160 1234567/);
    assert.equal(await page.getByTestId('visit-phone').inputValue(), '', 'nothing filled in before reception confirms');
    await page.screenshot({ path: join(OUT, 'reception-recent.png') });

    await press('Alt+BracketLeft'); // Alt+Ü on a German keyboard
    assert.equal(await page.getByTestId('visit-phone').inputValue(), '0160 1234567');
    assert.equal(await page.getByTestId('visit-address').inputValue(), 'Marktplatz 3, 59494 Soest');
    assert.equal(await offer.count(), 0);
    assert.equal(await focusedId(), 'visit-host', 'on to the host');
    await type('wag');
    await press('Enter');
    assert.equal(await page.getByTestId('host-input').inputValue(), WAGNER.label);
    assert.equal(await focusedId(), 'visit-reason', 'a walk-in: on to the reason');
    await type('Nachfrage');
    await press('Enter');
    await confirmed('Karl Wiederkehr', 'Thomas Wagner');
    console.log(`# keystrokes to register a returning walk-in (contact taken over): ${keys.count}`);

    const again = (await visitsToday()).filter((v) => v.name === 'Karl Wiederkehr');
    assert.equal(again.length, 2);
    const latest = again.find((v) => v.status === 'waiting');
    assert.deepEqual([latest.phone, latest.address, latest.reason], ['0160 1234567', 'Marktplatz 3, 59494 Soest', 'Nachfrage']);
  });

  it('a different name gets no offer', async () => {
    await page.getByTestId('visit-name').focus();
    await type('Karla Anders');
    // Longer than the 300 ms pause before the lookup, and its answer.
    await page.waitForTimeout(1200);
    assert.equal(await page.getByTestId('recent-visit').count(), 0);
    await page.getByTestId('visit-name').fill('');
  });

  it('raised no script errors and the server stops cleanly', async () => {
    assert.deepEqual(pageErrors, []);
    await stopServer(server);
  });
});
