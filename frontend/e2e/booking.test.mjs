// End-to-end test of the appointment screens against the real headless
// server and Debian's Chromium: a clerk books with the keyboard (Termin
// buchen), the citizen checks in at the terminal with the birth date on the
// keypad (Check-in), the clerk calls the next citizen from the day view
// (Tagesansicht) and the call-up monitor (Aufrufanzeige) shows it within a
// second. Three pages in one browser, as three machines would be.
//
// The server runs with --fake-time on a Wednesday morning, so the Bürger Büro
// is open whatever day this runs. Build first, from the repository root:
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
  stopServer,
  tempDataDir,
  signIn,
  apiFetch,
} from './helpers.mjs';

const BUILDING = 'buergerbuero';
const SITE = 'e2e-buergerbuero';
const NOW = '2026-11-18T08:05:00+01:00';
const DAY = '2026-11-18';
/** A call must reach the monitor this fast (the brief says within a second; 2 s leaves room for a busy CI). */
const CALL_LATENCY_MS = 2000;

const CODE = /^[ABCDEFGHJKLMNPQRSTUVWXYZ23456789]{6}$/;
const TICKET = /^[A-Z]+-\d{3}$/;

/** "Mi., 18.11.2026, 08:20 Uhr" for an RFC 3339 time, as the screens write it. */
function slotText(rfc3339) {
  const d = new Date(rfc3339);
  const part = (o) => new Intl.DateTimeFormat('de-DE', { timeZone: 'Europe/Berlin', ...o }).format(d);
  const wd = { Mo: 'Mo.', Di: 'Di.', Mi: 'Mi.', Do: 'Do.', Fr: 'Fr.', Sa: 'Sa.', So: 'So.' }[part({ weekday: 'short' }).replace('.', '')];
  return `${wd}, ${part({ day: '2-digit', month: '2-digit', year: 'numeric' })}, ${part({ hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })} Uhr`;
}

const squash = (s) => s.replace(/\s+/g, ' ').trim();

describe('appointments: book, check in, call up', { timeout: 300_000 }, () => {
  let dataDir;
  let browser;
  let server;
  /** The clerk's desk: booking and day view. */
  let desk;
  /** The check-in terminal at the entrance. */
  let kiosk;
  /** The call-up monitor in the waiting room. */
  let monitor;
  const pageErrors = [];
  let services;
  /** The appointment booked in the browser. */
  let booked;
  let ticket;

  // Each page stands for a machine of its own, whose screen is in front;
  // Chromium slows down the frames and timers of a background tab (a click
  // there takes a second or two), so the page in use is brought forward.
  const use = (page) => page.bringToFront();

  const focusedId = (page) => page.evaluate(() => document.activeElement?.id ?? '');
  const chips = () => desk.getByTestId('service-chip');

  /** Types a few letters of a service and takes the highlighted match with Enter. */
  async function addService(id, letters) {
    await desk.keyboard.type(letters, { delay: 15 });
    const active = desk.locator('[data-testid="service-option"][aria-selected="true"]');
    await eventually(`"${letters}" highlights ${id}`, async () => {
      assert.equal(await active.getAttribute('data-service-id'), id);
    });
    await desk.keyboard.press('Enter');
    await desk.locator(`[data-testid="service-chip"][data-service-id="${id}"]`).waitFor();
  }

  async function openBooking() {
    await use(desk);
    await desk.goto(`${server.url}/#/termin`);
    await desk.locator('[data-testid="service-input"][data-service-count]').waitFor();
  }

  /** Books through the API at the n-th free slot for the service (to set up a scene). */
  async function bookByApi(service, n, citizen) {
    const slots = await getJSON(server, `/api/slots?building=${BUILDING}&services=${service}&from=${DAY}&days=1`);
    assert.ok(slots.length > n, `at least ${n + 1} free slots for ${service}`);
    const res = await postJSON(server, '/api/appointments', {
      building: BUILDING,
      services: [service],
      start: slots[n].start,
      channel: 'phone',
      citizen: { phone: '', email: '', ...citizen },
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body;
  }

  async function kioskPress(keys) {
    for (const k of keys) await kiosk.locator(`[data-testid="keypad"] [data-key="${k}"]`).click();
  }

  async function resetKiosk() {
    await use(kiosk);
    const reset = kiosk.getByTestId('checkin-reset');
    if (await reset.count()) await reset.click();
    await eventually('terminal back at the start', async () => {
      assert.equal(await kiosk.getByTestId('checkin').getAttribute('data-phase'), 'input');
      assert.equal(await kiosk.getByTestId('checkin').getAttribute('data-mode'), 'birth');
    });
  }

  before(async () => {
    checkPrerequisites();
    dataDir = tempDataDir();
    server = await startServer(dataDir, { site: SITE, building: BUILDING, extraArgs: ['--fake-time', NOW] });
    const health = await getJSON(server, '/api/health');
    assert.equal(health.building, BUILDING);
    services = await getJSON(server, '/api/services');

    browser = await launchBrowser();
    await signIn(browser.context, server);
    desk = browser.context.pages()[0] ?? (await browser.context.newPage());
    kiosk = await browser.context.newPage();
    monitor = await browser.context.newPage();
    for (const p of [desk, kiosk, monitor]) p.on('pageerror', (err) => pageErrors.push(String(err)));
  });

  after(async () => {
    await browser?.close();
    await killServer(server);
    removeDir(dataDir);
  });

  it('books with the keyboard: a service by typing, the earliest slot with one key', async () => {
    await openBooking();
    assert.equal(await focusedId(desk), 'booking-services', 'the focus starts in the service search');
    assert.equal(await desk.getByTestId('booking-building').inputValue(), BUILDING);
    assert.equal(await desk.getByTestId('booking-channel').inputValue(), 'desk');

    await addService('personalausweis', 'perso');
    const slots = await getJSON(server, `/api/slots?building=${BUILDING}&services=personalausweis&from=${DAY}&days=14&channel=desk`);
    assert.ok(slots.length > 0, 'free slots on the fake Wednesday');
    const first = slots[0];
    assert.equal(first.start.slice(0, 10), DAY, 'the earliest slot is today');

    const earliest = desk.getByTestId('earliest');
    await eventually('earliest slot shown', async () => {
      assert.equal(squash(await earliest.textContent()), `Frühester Termin: ${slotText(first.start)}`);
    });
    assert.match(squash(await earliest.textContent()), /^Frühester Termin: Mi\., 18\.11\.2026, \d{2}:\d{2} Uhr$/);
    // The week view shows the same slot, and the weekend as closed.
    await desk.locator(`[data-testid="week-slot"][data-start="${first.start}"]`).waitFor();
    assert.match(await desk.locator('[data-testid="week-day"][data-day="2026-11-21"]').innerText(), /geschlossen/);

    // Enter in the empty search field takes the earliest slot and goes on to the name.
    assert.equal(await focusedId(desk), 'booking-services');
    await desk.keyboard.press('Enter');
    await eventually('slot chosen', async () => {
      assert.match(await desk.getByTestId('chosen-slot').innerText(), new RegExp(slotText(first.start).replace(/[.()]/g, '\\$&')));
    });
    assert.equal(await focusedId(desk), 'citizen-name');

    await desk.keyboard.type('Erika Mustermann', { delay: 10 });
    await desk.keyboard.press('Tab');
    await desk.keyboard.type('12.03.1980', { delay: 10 });
    await desk.keyboard.press('Tab');
    await desk.keyboard.type('0171 2345678', { delay: 10 });
    await desk.screenshot({ path: join(OUT, 'booking.png') });
    await desk.keyboard.press('Enter');

    const code = desk.getByTestId('booked-code');
    await code.waitFor();
    assert.match(await code.innerText(), CODE);
    assert.match(await desk.getByTestId('booked-when').innerText(), /^Mi\., 18\.11\.2026, \d{2}:\d{2}–\d{2}:\d{2} Uhr$/);
    assert.match(await desk.getByTestId('booked-counter').innerText(), /^Schalter \d$/);
    const docs = await desk.getByTestId('booked-documents').innerText();
    for (const d of services.find((s) => s.id === 'personalausweis').documents) assert.match(docs, new RegExp(d));
    await desk.screenshot({ path: join(OUT, 'booking-done.png') });

    const codeText = await code.innerText();
    const day = await getJSON(server, `/api/appointments?building=${BUILDING}&day=${DAY}`);
    booked = day.find((a) => a.code === codeText);
    assert.ok(booked, `appointment ${codeText} in GET /api/appointments`);
    assert.equal(booked.citizen.name, 'Erika Mustermann');
    assert.equal(await desk.getByTestId('booked').getByTestId('print-preview').getAttribute('href'), `/api/print/slip/${booked.id}.pdf`);
    // The slip itself is the printing package's; a server without it answers 404.
    const slip = await apiFetch(server, `/api/print/slip/${booked.id}.pdf`);
    if (slip.status === 404) console.log('slip PDF not served yet (404)');
    else {
      assert.equal(slip.status, 200);
      assert.match(slip.headers.get('content-type') ?? '', /^application\/pdf/);
      assert.equal(Buffer.from(await slip.arrayBuffer()).subarray(0, 5).toString(), '%PDF-');
    }
    assert.equal(booked.start, first.start);
    assert.deepEqual(booked.services, ['personalausweis']);
    assert.equal(booked.citizen.birth_date, '1980-03-12', 'TT.MM.JJJJ is sent as YYYY-MM-DD');
    assert.equal(booked.channel, 'desk');
    assert.equal(booked.status, 'booked');
  });

  it('refuses a fifth service', async () => {
    await use(desk);
    // The confirmation's button has the focus: Enter starts the next booking.
    await desk.keyboard.press('Enter');
    await desk.locator('[data-testid="service-input"]').waitFor();
    await eventually('focus back in the search', async () => assert.equal(await focusedId(desk), 'booking-services'));
    await addService('personalausweis', 'perso');
    await addService('anmeldung', 'wohnsitz an');
    await addService('meldebescheinigung', 'meldeb');
    await addService('beglaubigung', 'beglau');
    assert.equal(await chips().count(), 4);

    await desk.keyboard.type('reisep', { delay: 15 });
    await desk.locator('[data-testid="service-option"][aria-selected="true"][data-service-id="reisepass"]').waitFor();
    await desk.keyboard.press('Enter');
    const refusal = desk.getByTestId('service-refusal');
    await eventually('German refusal', async () => {
      assert.match(await refusal.innerText(), /^Höchstens 4 Anliegen pro Termin/);
    });
    assert.equal(await chips().count(), 4, 'no fifth chip');
    assert.equal(await desk.locator('[data-testid="service-chip"][data-service-id="reisepass"]').count(), 0);

    // Backspace in the empty field takes the last one away again.
    await desk.locator('#booking-services').fill('');
    await desk.keyboard.press('Backspace');
    await eventually('three chips left', async () => assert.equal(await chips().count(), 3));
    assert.equal(await desk.locator('[data-testid="service-chip"][data-service-id="beglaubigung"]').count(), 0);
  });

  it('shows closed days with their reason in the week view', async () => {
    await use(desk);
    for (let i = 0; i < 5; i++) await desk.getByTestId('week-next').click();
    await eventually('Christmas week', async () => {
      assert.equal(await desk.getByTestId('week-range').innerText(), '21.12.2026 – 27.12.2026');
    });
    const christmas = desk.locator('[data-testid="week-day"][data-day="2026-12-25"]');
    await eventually('closed for Christmas', async () => {
      assert.equal(await christmas.getByTestId('week-closed').innerText(), 'geschlossen – 1. Weihnachtstag');
    });
    const slotsOf = (day) => desk.locator(`[data-testid="week-day"][data-day="${day}"] [data-testid="week-slot"]`);
    assert.ok((await slotsOf('2026-12-23').count()) > 0);
    await desk.screenshot({ path: join(OUT, 'booking-week.png') });

    // One Tab stop for the whole week; the arrow keys walk the slots.
    const focusedStart = () => desk.evaluate(() => document.activeElement?.getAttribute('data-start') ?? '');
    await slotsOf('2026-12-24').first().focus();
    await desk.keyboard.press('ArrowDown');
    assert.equal(await focusedStart(), await slotsOf('2026-12-24').nth(1).getAttribute('data-start'));
    await desk.keyboard.press('ArrowLeft');
    assert.equal(await focusedStart(), await slotsOf('2026-12-23').nth(1).getAttribute('data-start'));
    // → skips the closed holidays and the weekend: nothing to the right of the 24th.
    await desk.keyboard.press('ArrowRight');
    await desk.keyboard.press('ArrowRight');
    assert.equal(await focusedStart(), await slotsOf('2026-12-24').nth(1).getAttribute('data-start'));
  });

  it('keeps the citizen when the slot is taken meanwhile, and offers the next one', async () => {
    await use(desk);
    const input = desk.locator('#booking-services');
    await input.focus();
    for (let i = 0; i < 3; i++) await desk.keyboard.press('Backspace');
    await eventually('no chips left', async () => assert.equal(await chips().count(), 0));
    await addService('fuehrungszeugnis', 'führungs');
    const earliest = desk.getByTestId('earliest');
    await earliest.waitFor();
    const taken = await earliest.getAttribute('data-start');
    await desk.keyboard.press('Enter');
    await eventually('name field', async () => assert.equal(await focusedId(desk), 'citizen-name'));
    await desk.keyboard.type('Paul Probe', { delay: 10 });
    await desk.keyboard.press('Tab');
    await desk.keyboard.type('01011990', { delay: 10 });

    // Other desks book that very slot until no counter is left for it.
    let status = 201;
    for (let i = 0; i < 12 && status === 201; i++) {
      ({ status } = await postJSON(server, '/api/appointments', {
        building: BUILDING,
        services: ['fuehrungszeugnis'],
        start: taken,
        channel: 'phone',
        citizen: { name: `Andere Person ${i}`, birth_date: '1960-01-01', phone: '', email: '' },
      }));
    }
    assert.equal(status, 409, 'the slot is full');

    await desk.keyboard.press('Enter');
    const message = desk.getByTestId('error-start');
    await eventually('German message about the taken slot', async () => {
      assert.match(await message.innerText(), /Dieser Termin wurde soeben vergeben/);
    });
    assert.equal(await desk.getByTestId('citizen-name').inputValue(), 'Paul Probe', 'the name is kept');
    assert.equal(await desk.getByTestId('citizen-birth').inputValue(), '01.01.1990', 'the birth date is kept (and written TT.MM.JJJJ)');
    assert.match(await desk.getByTestId('chosen-slot').innerText(), /Noch kein Termin gewählt/);
    await eventually('a new earliest slot', async () => {
      const now = await earliest.getAttribute('data-start');
      assert.ok(now && now !== taken, `earliest ${now} is not the taken ${taken}`);
    });
    assert.equal(await desk.locator(`[data-testid="week-slot"][data-start="${taken}"]`).count(), 0, 'the week view no longer offers it');
    await desk.screenshot({ path: join(OUT, 'booking-taken.png') });

    await desk.getByTestId('take-earliest').click();
    await eventually('name field', async () => assert.equal(await focusedId(desk), 'citizen-name'));
    await desk.keyboard.press('Enter');
    await desk.getByTestId('booked-code').waitFor();
  });

  it('checks the citizen in with the birth date on the keypad', async () => {
    await use(kiosk);
    await kiosk.goto(`${server.url}/#/checkin`);
    await kiosk.getByTestId('checkin').waitFor();
    assert.equal(await kiosk.locator('header.topbar, nav').count(), 0, 'no navigation on the terminal');
    assert.equal(await kiosk.getByTestId('checkin-prompt').innerText(), 'Bitte Geburtsdatum eingeben');

    await kioskPress(['1', '2', '0', '3', '1', '9', '8']);
    assert.equal(squash(await kiosk.getByTestId('birth-display').innerText()).replace(/\s/g, ''), '12.03.198J');
    assert.equal(await kiosk.getByTestId('checkin-submit').isDisabled(), true, 'OK waits for all eight digits');
    await kioskPress(['0']);
    await kiosk.screenshot({ path: join(OUT, 'checkin.png') });
    await kioskPress(['ok']);

    const shown = kiosk.getByTestId('checkin-ticket');
    await shown.waitFor();
    ticket = await shown.innerText();
    assert.match(ticket, TICKET);
    assert.match(await kiosk.getByTestId('checkin-done').innerText(), /Bitte nehmen Sie Platz – Sie werden aufgerufen\./);
    await kiosk.screenshot({ path: join(OUT, 'checkin-ticket.png') });

    const day = await getJSON(server, `/api/appointments?building=${BUILDING}&day=${DAY}`);
    const a = day.find((x) => x.id === booked.id);
    assert.equal(a.status, 'checked_in');
    assert.equal(a.ticket, ticket);
  });

  it('calls the citizen from the day view: the monitor shows it within a second', async () => {
    // Other citizens of the morning, two of them already called at other desks.
    for (const [service, n, name, call] of [
      ['anmeldung', 1, 'Jonas Becker', true],
      ['meldebescheinigung', 2, 'Aylin Kaya', true],
      ['reisepass', 6, 'Peter Schulz', false],
    ]) {
      const a = await bookByApi(service, n, { name, birth_date: '1985-05-05' });
      if (!call) continue;
      const c = await postJSON(server, '/api/checkin', { building: BUILDING, code: a.code });
      assert.equal(c.status, 200, JSON.stringify(c.body));
      const r = await postJSON(server, `/api/appointments/${a.id}/call`, { counter: a.counter });
      assert.equal(r.status, 200, JSON.stringify(r.body));
    }

    await use(monitor);
    await monitor.goto(`${server.url}/#/aufruf?building=${BUILDING}`);
    await monitor.locator('[data-testid="monitor"][data-stream="open"]').waitFor();
    assert.equal(await monitor.locator('header.topbar, nav').count(), 0, 'no navigation on the monitor');

    await use(desk);
    await desk.goto(`${server.url}/#/tag`);
    const row = desk.locator(`[data-testid="appt-row"][data-appointment-id="${booked.id}"]`);
    await eventually('appointment listed as checked in', async () => {
      assert.equal(await row.getAttribute('data-status'), 'checked_in');
    });
    assert.equal(await row.getByTestId('appt-ticket').innerText(), ticket);
    assert.match(await row.getByTestId('appt-name').innerText(), /Erika Mustermann/);
    assert.equal(await row.getByTestId('appt-status').innerText(), 'eingecheckt');
    assert.match(await desk.getByTestId('day-label').innerText(), /^Mittwoch, 18\. November 2026$/, "the server's day, not the browser's");

    const column = desk.locator(`[data-testid="counter-column"][data-counter-id="${booked.counter}"]`);
    assert.equal(await column.getByTestId('counter-name').innerText(), booked.counter_name);
    const callNext = column.getByTestId('call-next');
    await callNext.scrollIntoViewIfNeeded();
    // The monitor is the screen in front; it notes when the ticket appears.
    // The clock starts when the desk's call leaves for the server (same
    // machine, same clock), so the desk's own click handling does not count.
    await use(monitor);
    await monitor.evaluate((want) => {
      window.__shownAt = 0;
      new MutationObserver((_, obs) => {
        if (document.querySelector('[data-testid="current-ticket"]')?.textContent === want) {
          window.__shownAt = Date.now();
          obs.disconnect();
        }
      }).observe(document.body, { subtree: true, childList: true, characterData: true });
    }, ticket);
    let sentAt = 0;
    const onRequest = (req) => {
      if (req.url().endsWith('/call-next')) sentAt = Date.now();
    };
    desk.on('request', onRequest);
    await callNext.click();
    await monitor.waitForFunction(() => window.__shownAt > 0, null, { timeout: CALL_LATENCY_MS + 3000, polling: 50 });
    desk.off('request', onRequest);
    assert.ok(sentAt > 0, 'the desk sent POST /api/counters/{id}/call-next');
    const latency = (await monitor.evaluate(() => window.__shownAt)) - sentAt;
    console.log(`call-up reached the monitor ${latency} ms after the desk sent it`);
    assert.ok(latency < CALL_LATENCY_MS, `monitor showed the call after ${latency} ms`);
    assert.equal(await monitor.getByTestId('current-ticket').innerText(), ticket);
    assert.equal(await monitor.getByTestId('current-counter').innerText(), booked.counter_name);
    assert.equal(await monitor.getByTestId('previous-call').count(), 2, 'the calls before stay listed below');
    await sleep(300);
    await monitor.screenshot({ path: join(OUT, 'monitor.png') });
    await use(desk);

    await eventually('status "aufgerufen" in the day view', async () => {
      assert.equal(await row.getAttribute('data-status'), 'called');
      assert.equal(await row.getByTestId('appt-status').innerText(), 'aufgerufen');
    });
    assert.match(await desk.getByTestId('day-notice').innerText(), new RegExp(`${ticket} → ${booked.counter_name} aufgerufen`));
    await desk.screenshot({ path: join(OUT, 'dayview.png') });

    await row.getByTestId('appt-served').click();
    await eventually('status "erledigt"', async () => {
      assert.equal(await row.getAttribute('data-status'), 'served');
      assert.equal(await row.getByTestId('appt-status').innerText(), 'erledigt');
    });
    const a = (await getJSON(server, `/api/appointments?building=${BUILDING}&day=${DAY}`)).find((x) => x.id === booked.id);
    assert.equal(a.status, 'served');
  });

  it('moves a booking to another week and cancels one, from the day view', async () => {
    await use(desk);
    const peter = desk.locator('[data-testid="appt-row"]').filter({ hasText: 'Peter Schulz' });
    await peter.getByTestId('appt-move').click();
    const dialog = desk.getByTestId('move-dialog');
    await dialog.waitFor();
    await dialog.getByTestId('move-week-next').click();
    await eventually('next week', async () => {
      assert.equal(await dialog.getByTestId('move-week-range').innerText(), '23.11.2026 – 29.11.2026');
    });
    const target = dialog.locator('[data-testid="move-week-day"][data-day="2026-11-24"] [data-testid="move-week-slot"]').first();
    const start = await target.getAttribute('data-start');
    await target.click();
    await eventually('confirm button names the new time', async () => {
      assert.equal(await dialog.getByTestId('move-confirm').innerText(), `Verschieben auf ${slotText(start)}`);
    });
    await desk.screenshot({ path: join(OUT, 'dayview-move.png') });
    const code = await peter.getAttribute('data-code');
    await dialog.getByTestId('move-confirm').click();
    await dialog.waitFor({ state: 'detached' });
    await eventually('notice', async () => {
      assert.equal(squash(await desk.getByTestId('day-notice').innerText()), `✓ Verschoben auf ${slotText(start)}`);
    });
    await eventually('old booking shown as cancelled', async () => {
      assert.equal(await peter.getAttribute('data-status'), 'cancelled');
    });
    const moved = (await getJSON(server, `/api/appointments?building=${BUILDING}&day=2026-11-24`)).find((a) => a.code === code);
    assert.ok(moved, `appointment ${code} on 24.11.`);
    assert.equal(moved.start, start);
    assert.equal(moved.status, 'booked');

    const hans = await bookByApi('ummeldung', 10, { name: 'Hans Meier', birth_date: '1955-02-14' });
    const row = desk.locator(`[data-testid="appt-row"][data-appointment-id="${hans.id}"]`);
    await row.waitFor({ timeout: 15_000 }); // the 5 s refresh brings it
    await row.getByTestId('appt-cancel').click();
    await row.getByTestId('cancel-no').click();
    assert.equal(await row.getAttribute('data-status'), 'booked', '"Nein" keeps it');
    await row.getByTestId('appt-cancel').click();
    await row.getByTestId('cancel-yes').click();
    await eventually('cancelled', async () => {
      assert.equal(await row.getAttribute('data-status'), 'cancelled');
      assert.equal(await row.getByTestId('appt-status').innerText(), 'storniert');
    });
  });

  it('asks for the name when two appointments today share the birth date', async () => {
    const citizen = { birth_date: '1970-02-01' };
    const first = await bookByApi('meldebescheinigung', 3, { ...citizen, name: 'Anna Zwilling' });
    const second = await bookByApi('anmeldung', 5, { ...citizen, name: 'Berta Zwilling' });

    await resetKiosk();
    // The physical keyboard works as well as the keypad.
    await kiosk.keyboard.type('01021970', { delay: 20 });
    await kiosk.keyboard.press('Enter');
    await eventually('the terminal asks for the name', async () => {
      assert.equal(await kiosk.getByTestId('checkin').getAttribute('data-mode'), 'name');
      assert.equal(await kiosk.getByTestId('checkin-prompt').innerText(), 'Bitte geben Sie auch Ihren Namen ein');
    });
    await kiosk.keyboard.type('Berta Zwilling', { delay: 20 });
    await kiosk.screenshot({ path: join(OUT, 'checkin-name.png') });
    await kiosk.keyboard.press('Enter');
    const shown = kiosk.getByTestId('checkin-ticket');
    await shown.waitFor();
    assert.match(await shown.innerText(), TICKET);

    const day = await getJSON(server, `/api/appointments?building=${BUILDING}&day=${DAY}`);
    assert.equal(day.find((x) => x.id === second.id).status, 'checked_in', 'Berta is checked in');
    assert.equal(day.find((x) => x.id === first.id).status, 'booked', 'Anna is not');
  });

  it('tells a citizen without an appointment today where to go, and refuses impossible input', async () => {
    await resetKiosk();
    await kioskPress(['3', '1', '1', '2', '1', '9', '9', '9', 'ok']);
    const notFound = kiosk.getByTestId('checkin-notfound');
    await notFound.waitFor();
    assert.equal(
      squash(await notFound.innerText()).replace(/ Zurück$/, ''),
      'Kein Termin heute gefunden – bitte wenden Sie sich an die Information.',
    );

    await resetKiosk();
    await kioskPress(['3', '1', '0', '2', '1', '9', '8', '0', 'ok']);
    await eventually('31.02. is no date', async () => {
      assert.equal(await kiosk.getByTestId('checkin-error').innerText(), 'Dieses Datum gibt es nicht. Bitte prüfen Sie die Eingabe.');
    });

    // A code with an O (not in the alphabet) is refused, not guessed.
    await resetKiosk();
    await kiosk.getByTestId('use-code').click();
    await kiosk.keyboard.type('k7mo', { delay: 20 });
    await eventually('the O is refused', async () => {
      assert.match(await kiosk.getByTestId('checkin-error').innerText(), /„O“ kommt in Codes nicht vor/);
    });
    assert.equal(await kiosk.getByTestId('checkin-submit').isDisabled(), true);
  });

  it('sets an allotment in Kontingente: the home site keeps the rest, too much is refused, the share is saved', async () => {
    await use(desk);
    await desk.goto(`${server.url}/#/kontingente`);
    const card = desk.getByTestId(`allot-${BUILDING}`);
    await card.waitFor();
    assert.match(await desk.getByTestId('kontingente-explain').innerText(), /auch ohne Netz vergeben kann, über den Tag verteilt/);

    await card.getByTestId('home-site').selectOption(SITE);
    await card.getByPlaceholder('Name wie bei --site').fill('filiale');
    await desk.keyboard.press('Enter');
    const share = card.getByTestId('share-filiale');
    await share.fill('120');
    await eventually('the home share follows live', async () => {
      assert.equal(squash(await card.getByTestId('home-share').innerText()), '-20 % behält den Rest');
    });
    await card.getByTestId('save').click();
    await eventually('the server refuses a share over 100 %, in German', async () => {
      assert.equal(await card.getByTestId('error-allotments').innerText(), 'Ein Kontingent muss zwischen 0 und 100 % liegen.');
    });
    let saved = await getJSON(server, '/api/allotments');
    assert.equal(saved.buildings.find((b) => b.id === BUILDING).home_site, '', 'nothing written');

    await share.fill('25');
    await card.getByTestId('token-minutes').fill('30');
    await eventually('the home keeps 75 %', async () => {
      assert.equal(squash(await card.getByTestId('home-share').innerText()), '75 % behält den Rest');
    });
    await card.getByTestId('save').click();
    await eventually('saved', async () => {
      assert.match(await card.getByTestId('saved').innerText(), /Gespeichert/);
    });
    saved = await getJSON(server, '/api/allotments');
    assert.deepEqual(saved.buildings.find((b) => b.id === BUILDING), {
      id: BUILDING,
      name: 'Bürger Büro',
      home_site: SITE,
      home_site_default: false, // set here, not the cluster's default
      allotments: { filiale: 25 },
      token_minutes: 30,
    });
    const summary = await getJSON(server, `/api/tokens/summary?building=${BUILDING}&day=${DAY}`);
    assert.equal(summary.escrowed, true);

    await desk.reload();
    await eventually('still there after a reload', async () => {
      assert.equal(await desk.getByTestId(`allot-${BUILDING}`).getByTestId('share-filiale').inputValue(), '25');
    });
    await desk.screenshot({ path: join(OUT, 'kontingente.png'), fullPage: true });
  });

  it('raised no script errors and the server stops cleanly', async () => {
    assert.deepEqual(pageErrors, []);
    await stopServer(server);
  });
});
