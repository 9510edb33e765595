// End-to-end test of Verwaltung → Abwesenheiten against the real headless
// server and Debian's Chromium: three citizens are booked at one counter of
// the Bürger Büro (two with an e-mail address, one with a phone number
// only); a manager (leitung) opens Abwesenheiten, enters the counter's
// absence, looks at the preview (nothing moves yet), saves, and the
// bookings are moved and the Posteingang lists them. Then the absence,
// entered "by mistake", is taken out: what moved stays moved.
//
// Build first, from the repository root: make build
// Screenshots go to E2E_OUT (default frontend/e2e/out).

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
const DAY = '2026-11-25'; // a week ahead

const citizens = [
  { name: 'Erika Mustermann', birth_date: '1964-08-12', phone: '02921 555-7', email: '' },
  { name: 'Klaus Becker', birth_date: '1961-09-30', phone: '', email: 'klaus@example.org' },
  { name: 'Hannah Schmidt', birth_date: '1980-05-17', phone: '02921 555-9', email: 'hannah@example.org' },
];

describe('Abwesenheiten: preview, save, the bookings move, the inbox fills', { timeout: 180_000 }, () => {
  let dataDir;
  let browser;
  let server;
  let page;
  const pageErrors = [];

  before(async () => {
    checkPrerequisites();
    dataDir = tempDataDir();
    server = await startServer(dataDir, { site: 'e2e-absence', building: BUILDING, extraArgs: ['--fake-time', NOW] });
    browser = await launchBrowser();
    await signIn(browser.context, server, 'leitung', 'demo');
    page = await browser.context.newPage();
    page.on('pageerror', (e) => pageErrors.push(e));
  });

  after(async () => {
    await browser?.close();
    await killServer(server);
    removeDir(dataDir);
  });

  it('previews what the absence does, saves it, and the bookings move', async () => {
    // Three bookings, one after the other, at the counter the first lands on.
    const booked = [];
    for (const [i, citizen] of citizens.entries()) {
      const start = `${DAY}T${['09:00', '09:30', '10:00'][i]}:00+01:00`;
      const res = await postJSON(server, '/api/appointments', { building: BUILDING, services: ['anmeldung'], start, channel: 'phone', citizen });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      booked.push(res.body);
    }
    const counter = booked[0].counter;
    assert.deepEqual(booked.map((b) => b.counter), [counter, counter, counter], 'all three at one counter');
    const before = await getJSON(server, `/api/appointments?building=${BUILDING}&day=${DAY}`);

    // The manager opens it from the Verwaltung menu.
    await page.goto(`${server.url}/#/posteingang`);
    await page.getByTestId('admin-menu').getByRole('button').click();
    await page.getByTestId('admin-menu').getByRole('link', { name: 'Abwesenheiten' }).click();
    await page.getByTestId('abwesenheiten').waitFor();
    await page.getByTestId('absence-counter').selectOption(counter);
    await page.getByTestId('absence-none').waitFor();
    await page.getByTestId('absence-from').fill(DAY);
    await page.getByTestId('absence-reason').selectOption('Krankheit');
    const save = page.getByTestId('absence-save');
    assert.equal(await save.isDisabled(), true, 'no saving before a preview');

    await page.getByTestId('absence-preview-button').click();
    const summary = page.getByTestId('absence-summary');
    await summary.waitFor();
    assert.equal(
      await summary.innerText(),
      '3 Termine werden verlegt; 2 Bürgerinnen und Bürger bekommen eine E-Mail, 1 muss angerufen werden.',
    );
    const rows = page.getByTestId('absence-row');
    assert.equal(await rows.count(), 3);
    const erika = (await rows.filter({ hasText: 'Erika Mustermann' }).innerText()).replace(/\s+/g, ' ');
    assert.match(erika, new RegExp(booked[0].code));
    assert.match(erika, /Anruf: 02921 555-7/);
    assert.match(erika, /^Mi\., 25\.11\.2026, 09:00 Uhr .* 09:00 Uhr \(gleiche Zeit, Schalter \d\)/);
    assert.match(await rows.filter({ hasText: 'Klaus Becker' }).innerText(), /E-Mail an klaus@example\.org/);
    await eventually('saving is offered for this preview', async () => assert.equal(await save.isDisabled(), false));

    // The preview moved nothing.
    assert.deepEqual(await getJSON(server, `/api/appointments?building=${BUILDING}&day=${DAY}`), before);
    assert.deepEqual(await getJSON(server, `/api/inbox?building=${BUILDING}`), []);
    await page.screenshot({ path: join(OUT, 'absences-preview.png') });

    // Other inputs than the preview's: no saving until a new preview.
    await page.getByTestId('absence-to').fill('2026-11-26');
    await eventually('saving waits for a new preview', async () => assert.equal(await save.isDisabled(), true));
    await page.getByTestId('absence-to').fill('');
    await eventually('the same inputs again', async () => assert.equal(await save.isDisabled(), false));

    const preview = await postJSON(server, `/api/counters/${counter}/absences/preview`, { from: DAY, reason: 'Krankheit' });
    assert.equal(preview.status, 200);
    assert.equal(preview.body.moves, 3);

    await save.click();
    await page.getByTestId('absence-saved').waitFor();
    await page.getByTestId('absence-item').first().waitFor();
    assert.match(await page.getByTestId('absence-item').first().innerText(), /25\.11\.2026\s+Krankheit/);
    await page.screenshot({ path: join(OUT, 'absences-saved.png') });

    // Moved as previewed: same start, another counter, code kept.
    const after = await getJSON(server, `/api/appointments?building=${BUILDING}&day=${DAY}`);
    for (const m of preview.body.appointments) {
      const now = after.find((a) => a.code === m.code && a.status === 'booked');
      assert.ok(now, `${m.code} is booked`);
      assert.notEqual(now.counter, counter, `${m.code} left the absent counter`);
      assert.equal(now.start, m.moves_to, `${m.code} moved where the preview said`);
    }
    const inbox = await getJSON(server, `/api/inbox?building=${BUILDING}`);
    assert.deepEqual(inbox.map((e) => e.code).sort(), booked.map((b) => b.code).sort());
    assert.ok(inbox.every((e) => e.kind === 'moved' && /nicht besetzt \(Krankheit\)/.test(e.reason)));

    // The link leads to the Posteingang, which lists them.
    await page.getByTestId('absence-to-inbox').click();
    await eventually('the inbox lists the three', async () => assert.equal(await page.getByTestId('inbox-row').count(), 3));

    // Entered by mistake: taken out again; what moved stays moved.
    await page.goto(`${server.url}/#/abwesenheiten`);
    await page.getByTestId('absence-counter').selectOption(counter);
    await page.getByTestId('absence-remove').click();
    await page.getByTestId('absence-remove-confirm').click();
    await page.getByTestId('absence-removed').waitFor();
    await page.getByTestId('absence-none').waitFor();
    const counters = await getJSON(server, `/api/counters?building=${BUILDING}`);
    assert.deepEqual(counters.find((k) => k.id === counter).absences ?? [], []);
    assert.deepEqual(await getJSON(server, `/api/appointments?building=${BUILDING}&day=${DAY}`), after);

    assert.deepEqual(pageErrors, []);
  });

  it('moves to the nearest free start, each place once, and names who cannot be reached', async () => {
    // Rathaus I has one counter for dog tax: away on DAY, its bookings go to the next open day.
    const RATHAUS = 'rathaus-1';
    const people = [
      { name: 'Anna Ohnekontakt', birth_date: '1990-01-01', phone: '', email: '' },
      { name: 'Paul Hundmann', birth_date: '1985-04-02', phone: '0170 4455667', email: '' },
    ];
    const booked = [];
    for (const [i, citizen] of people.entries()) {
      const start = `${DAY}T${['09:00', '09:30'][i]}:00+01:00`;
      const res = await postJSON(server, '/api/appointments', { building: RATHAUS, services: ['hundesteuer'], start, channel: 'desk', citizen });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      booked.push(res.body);
    }
    const counter = booked[0].counter;

    await page.goto(`${server.url}/#/abwesenheiten`);
    await page.getByTestId('absence-building').selectOption(RATHAUS);
    await eventually('the counters of Rathaus I', async () =>
      assert.equal(await page.getByTestId('absence-counter').inputValue(), counter),
    );
    await page.getByTestId('absence-from').fill(DAY);
    await page.getByTestId('absence-reason').selectOption('Sonstiges');
    await page.getByTestId('absence-other').fill('Umzug der Kämmerei');
    await page.getByTestId('absence-preview-button').click();
    const summary = page.getByTestId('absence-summary');
    await eventually('the preview of Rathaus I', async () =>
      assert.equal(
        await summary.innerText(),
        '2 Termine werden verlegt; 1 Bürgerin oder Bürger muss angerufen werden, 1 ist nicht erreichbar.',
      ),
    );
    const preview = await postJSON(server, `/api/counters/${counter}/absences/preview`, { from: DAY, reason: 'Umzug der Kämmerei' });
    const starts = preview.body.appointments.map((m) => m.moves_to);
    assert.ok(starts.every((s) => s && s.slice(0, 10) > DAY), `both move to a later day: ${starts}`);
    assert.notEqual(starts[0], starts[1], 'each free place is given once');
    const anna = (await page.getByTestId('absence-row').filter({ hasText: 'Anna Ohnekontakt' }).innerText()).replace(/\s+/g, ' ');
    assert.match(anna, /nicht erreichbar/);
    assert.match(anna, /Do\., 26\.11\.2026, \d\d:\d\d Uhr/);
    assert.equal(await page.getByTestId('absence-removed').count(), 0, 'the note about the other counter is gone');
    await page.getByTestId('absence-preview').scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(OUT, 'absences-nearest.png') });

    await page.getByTestId('absence-save').click();
    await page.getByTestId('absence-saved').waitFor();
    for (const m of preview.body.appointments) {
      const day = await getJSON(server, `/api/appointments?building=${RATHAUS}&day=${m.moves_to.slice(0, 10)}`);
      const now = day.find((a) => a.code === m.code && a.status === 'booked');
      assert.equal(now?.start, m.moves_to, `${m.code} moved where the preview said`);
    }
    const inbox = await getJSON(server, `/api/inbox?building=${RATHAUS}`);
    assert.deepEqual(inbox.map((e) => e.code).sort(), booked.map((b) => b.code).sort());
    assert.ok(inbox.every((e) => /Umzug der Kämmerei/.test(e.reason)));
    assert.deepEqual(pageErrors, []);
  });

  it('stops cleanly', async () => {
    await stopServer(server);
  });
});
