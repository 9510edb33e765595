// End-to-end test of the citizens' side against real processes: two
// enrolled sites (the first with the public listener and the mail server
// set), a real SMTP server (mailpit) and Debian's Chromium at phone width:
//
// - a citizen books on /buchen/ with the keyboard alone (axe-clean pages);
// - the mail arrives; its confirm link, followed in the browser, makes the
//   booking binding, and the desk of the other site sees it booked;
// - the confirmation's calendar file is read by ical.js (time zone, UID,
//   SEQUENCE); a clerk's move raises SEQUENCE with the same UID;
// - the cancel link frees the slot at both sites, and the calendar file
//   says METHOD:CANCEL;
// - a booking nobody confirms expires (the site is down past its minute to confirm)
//   and the slot is free again at both sites.
//
// Build first (make build); helpers.mjs for PFORTE_BIN, CHROMIUM, E2E_OUT.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import ICAL from 'ical.js';
import {
  OUT,
  checkPrerequisites,
  eventually,
  getJSON,
  invite,
  killServer,
  launchBrowser,
  postJSON,
  putJSON,
  removeDir,
  startServer,
  tempDataDir,
  unusedPort,
  writeClusterKey,
} from './helpers.mjs';
import { axeCheck, bookOnPublicPage, startMailpit, tabTo } from './public-helpers.mjs';

const BUILDING = 'buergerbuero';
const SERVICES = 'personalausweis,meldebescheinigung';

async function mails(mp, to) {
  const res = await (await fetch(`${mp.api}/api/v1/messages?limit=200`)).json();
  return res.messages.filter((m) => m.To.some((t) => t.Address === to));
}

/** Waits for the mail to `to` whose subject matches, and returns it whole. */
async function mailTo(mp, to, subject) {
  let id = '';
  await eventually(`a mail "${subject}" to ${to}`, async () => {
    id = (await mails(mp, to)).find((m) => subject.test(m.Subject))?.ID ?? '';
    assert.notEqual(id, '', 'no such mail yet');
  }, 60_000);
  return (await fetch(`${mp.api}/api/v1/message/${id}`)).json();
}

async function attachment(mp, msg, type) {
  const part = [...(msg.Attachments ?? []), ...(msg.Inline ?? [])].find((a) => a.ContentType.startsWith(type));
  assert.ok(part, `mail "${msg.Subject}" has a ${type} part`);
  return (await fetch(`${mp.api}/api/v1/message/${msg.ID}/part/${part.PartID}`)).text();
}

/** The VEVENT of a calendar file as ical.js reads it. */
function readCalendar(text) {
  const cal = new ICAL.Component(ICAL.parse(text));
  const vevent = cal.getFirstSubcomponent('vevent');
  const event = new ICAL.Event(vevent);
  return {
    method: cal.getFirstPropertyValue('method'),
    uid: event.uid,
    sequence: event.sequence,
    start: event.startDate,
    end: event.endDate,
    tzid: vevent.getFirstProperty('dtstart').getParameter('tzid'),
    timezones: cal.getAllSubcomponents('vtimezone').map((z) => z.getFirstPropertyValue('tzid')),
    location: event.location,
    organizer: vevent.getFirstPropertyValue('organizer'),
    attendees: event.attendees.map((x) => x.getFirstValue()),
  };
}

/** The proof of work the widget does, for bookings made without a page. */
async function solveAltcha(base) {
  const ch = await (await fetch(`${base}/api/public/challenge`)).json();
  for (let n = 0; n <= ch.maxnumber; n++) {
    if (createHash('sha256').update(ch.salt + n).digest('hex') === ch.challenge) {
      return Buffer.from(JSON.stringify({ algorithm: ch.algorithm, challenge: ch.challenge, number: n, salt: ch.salt, signature: ch.signature })).toString('base64');
    }
  }
  throw new Error('no solution');
}

const appointmentsOn = (server, day) => getJSON(server, `/api/appointments?building=${BUILDING}&day=${day}`);

async function freeAt(server, start) {
  const slots = await getJSON(server, `/api/slots?building=${BUILDING}&services=${SERVICES}&from=${start.slice(0, 10)}&days=1`);
  return slots.some((s) => s.start === start);
}

const tokenIn = (text, path) => text.match(new RegExp(`#/${path}/([A-Za-z0-9_-]{20,})`))?.[1];

describe('citizens book online', { timeout: 420_000 }, () => {
  const dirs = [];
  let mp;
  let a; // the town hall's site: public listener, mail site
  let b; // another site's desk
  let aArgs;
  let publicPort;
  let browser;
  let page;
  let token = '';
  let code = '';
  let start = '';
  const errors = [];

  before(async () => {
    checkPrerequisites();
    for (let i = 0; i < 3; i++) dirs.push(tempDataDir());
    mkdirSync(OUT, { recursive: true });
    mp = await startMailpit(dirs[2]);
    const key = writeClusterKey(join(dirs[0], 'cluster.key'));
    const gossip = `127.0.0.1:${await unusedPort()}`;
    publicPort = await unusedPort();
    aArgs = ['--gossip', gossip, '--cluster-key', key, '--public-listen', `127.0.0.1:${publicPort}`,
      '--public-url', `http://127.0.0.1:${publicPort}`];
    a = await startServer(dirs[0], { site: 'e2e-rathaus', building: BUILDING, extraArgs: aArgs });
    assert.equal(a.publicUrl, `http://127.0.0.1:${publicPort}`);
    b = await startServer(dirs[1], { site: 'e2e-filiale', building: 'rathaus-1',
      extraArgs: ['--gossip', '127.0.0.1:0', '--join', gossip, '--cluster-key', key, '--enroll', await invite(a, 'e2e-filiale', 'rathaus-1')] });
    const res = await putJSON(a, '/api/settings/mail', { smtp_server: mp.smtp, from: 'termine@soest.example', starttls: false });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    browser = await launchBrowser({ width: 360, height: 740 });
    page = browser.context.pages()[0] ?? (await browser.context.newPage());
    page.on('pageerror', (err) => errors.push(String(err)));
    page.on('console', (msg) => {
      if (msg.type() === 'error') errors.push(msg.text());
    });
  });

  after(async () => {
    await browser?.close();
    await Promise.all([a, b].filter(Boolean).map((s) => killServer(s)));
    mp?.proc.kill();
    for (const d of dirs) removeDir(d);
  });

  it('books with the keyboard on an axe-clean page at 360 px, and the mail asks to confirm', async () => {
    await page.goto(`${a.publicUrl}/buchen/#/`);
    await page.locator('h1').first().waitFor();
    await axeCheck(page);
    await page.screenshot({ path: join(OUT, 'public-start-360.png'), fullPage: true });
    await bookOnPublicPage(page, a.publicUrl, {
      building: 'Bürger Büro', services: ['Personalausweis beantragen', 'Meldebescheinigung'],
      name: 'Erika Mustermann', birthDate: '1964-08-12', email: 'erika@example.org',
    });
    await axeCheck(page);
    await page.screenshot({ path: join(OUT, 'public-done-360.png'), fullPage: true });
    assert.equal(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), true, 'no sideways scrolling at 360 px');

    const mail = await mailTo(mp, 'erika@example.org', /^Bitte bestätigen/);
    token = tokenIn(mail.Text, 'bestaetigen');
    assert.ok(token, `the mail carries the confirm link:\n${mail.Text}`);
    assert.ok(mail.HTML.includes(`${a.publicUrl}/buchen/#/bestaetigen/${token}`), 'the HTML part links to the public URL');
    const booking = await (await fetch(`${a.publicUrl}/api/public/bookings/${token}`)).json();
    assert.equal(booking.status, 'preconfirmed');
    ({ code, start } = booking);
    const desk = (await appointmentsOn(a, start.slice(0, 10))).find((x) => x.code === code);
    assert.equal(desk.status, 'preconfirmed', 'the desk sees the booking as not yet confirmed');
  });

  it('the confirm link makes it binding; the other site\'s desk sees it booked', async () => {
    await page.goto(`${a.publicUrl}/buchen/#/bestaetigen/${token}`);
    await page.getByText('Termin verbindlich bestätigen').waitFor();
    await axeCheck(page);
    await page.screenshot({ path: join(OUT, 'public-confirm-360.png'), fullPage: true });
    await tabTo(page, 'the confirm button', (f) => f.tag === 'button' && f.text.includes('verbindlich bestätigen'));
    await page.keyboard.press('Enter');
    await page.getByText('Ihr Termin ist verbindlich gebucht').waitFor();
    await axeCheck(page);

    await eventually('site 2 sees the booking booked', async () =>
      assert.ok((await appointmentsOn(b, start.slice(0, 10))).some((x) => x.code === code && x.status === 'booked')), 60_000);

    const mail = await mailTo(mp, 'erika@example.org', /ist bestätigt$/);
    assert.ok(mail.Text.includes(code), 'the confirmation names the booking code');
    const cal = readCalendar(await attachment(mp, mail, 'text/calendar'));
    assert.equal(cal.tzid, 'Europe/Berlin');
    assert.ok(cal.timezones.includes('Europe/Berlin'), 'the file carries the VTIMEZONE');
    assert.equal(cal.start.toJSDate().getTime(), Date.parse(start), 'DTSTART is the booked start');
    assert.ok(cal.end.compare(cal.start) > 0);
    assert.equal(cal.sequence, 0);
    assert.match(cal.uid, /@pforte$/);
    assert.match(cal.location, /Am Vreithof/);
    // An invitation from the town hall: calendar programs update it in place.
    assert.equal(cal.organizer, 'mailto:termine@soest.example');
    assert.deepEqual(cal.attendees, ['mailto:erika@example.org']);
  });

  it('a clerk moves it: the calendar file keeps its UID and counts SEQUENCE up', async () => {
    const before = readCalendar(await (await fetch(`${a.publicUrl}/api/public/bookings/${token}.ics`)).text());
    const day = start.slice(0, 10);
    const appt = (await appointmentsOn(a, day)).find((x) => x.code === code && x.status === 'booked');
    const slots = await getJSON(a, `/api/slots?building=${BUILDING}&services=${SERVICES}&from=${day}&days=3`);
    const later = slots.find((s) => Date.parse(s.start) > Date.parse(start) + 3600_000);
    const res = await postJSON(a, `/api/appointments/${appt.id}/move`, { start: later.start });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    start = later.start;
    const after = readCalendar(await (await fetch(`${a.publicUrl}/api/public/bookings/${token}.ics`)).text());
    assert.equal(after.uid, before.uid, 'the same calendar entry');
    assert.equal(after.sequence, before.sequence + 1);
    assert.equal(after.start.toJSDate().getTime(), Date.parse(start));
    await mailTo(mp, 'erika@example.org', /verlegt/);
  });

  it('the cancel link frees the slot at both sites; the calendar file cancels', async () => {
    await page.goto(`${a.publicUrl}/buchen/#/absagen/${token}`);
    await page.locator('#cancel-start').waitFor();
    await axeCheck(page);
    await tabTo(page, 'Termin absagen', (f) => f.id === 'cancel-start');
    await page.keyboard.press('Enter');
    await tabTo(page, 'Ja, Termin absagen', (f) => f.tag === 'button' && f.text.includes('Ja, Termin absagen'));
    await page.keyboard.press('Enter');
    await page.locator('#cancel-done').waitFor();
    await axeCheck(page);
    await page.screenshot({ path: join(OUT, 'public-cancelled-360.png'), fullPage: true });

    assert.ok(await freeAt(a, start), 'free again at the site that booked it');
    await eventually('free again at site 2', async () => assert.ok(await freeAt(b, start)), 60_000);
    const cal = readCalendar(await (await fetch(`${a.publicUrl}/api/public/bookings/${token}.ics`)).text());
    assert.equal(cal.method, 'CANCEL');
    await mailTo(mp, 'erika@example.org', /ist abgesagt$/);
  });

  it('a booking nobody confirms expires, and its slot is free again everywhere', async () => {
    // A minute to confirm, so the site can stay down past it in real time:
    // a clock moved ahead instead would have its ops refused by site 2
    // (engine.MaxClockAhead), as they should be.
    const rules = await putJSON(a, `/api/buildings/${BUILDING}/online`, { confirm_minutes: 1 });
    assert.equal(rules.status, 200, JSON.stringify(rules.body));
    const slots = await (await fetch(`${a.publicUrl}/api/public/slots?building=${BUILDING}&services=${SERVICES}&days=10`)).json();
    const s = slots.find((x) => !x.day_ticket && Date.parse(x.start) > Date.now() + 2 * 86400_000);
    const body = { building: BUILDING, services: SERVICES.split(','), start: s.start, privacy_accepted: true,
      citizen: { name: 'Max Muster', birth_date: '1990-02-03', email: 'max@example.org' }, altcha: await solveAltcha(a.publicUrl) };
    const res = await fetch(`${a.publicUrl}/api/public/bookings`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    const created = await res.json();
    assert.equal(res.status, 202, JSON.stringify(created));
    const expires = Date.parse(created.expires_at);
    assert.ok(expires - Date.now() <= 60_000, 'the building\'s minute to confirm holds');
    const mine = async (server) => (await appointmentsOn(server, s.start.slice(0, 10))).find((x) => x.citizen?.name === 'Max Muster');
    await eventually('site 2 holds the unconfirmed booking', async () => assert.equal((await mine(b))?.status, 'preconfirmed'), 60_000);

    // The site is down past the time to confirm and comes back: it expires
    // what waited for a confirmation.
    await killServer(a);
    await new Promise((r) => setTimeout(r, Math.max(0, expires - Date.now()) + 1_000));
    a = await startServer(dirs[0], { site: 'e2e-rathaus', building: BUILDING, extraArgs: aArgs });
    await eventually('expired at site 1', async () => assert.equal((await mine(a))?.status, 'cancelled'), 60_000);
    await eventually('expired at site 2', async () => assert.equal((await mine(b))?.status, 'cancelled'), 60_000);
    await eventually('free again at site 2', async () => assert.ok(await freeAt(b, s.start)), 60_000);
    const link = tokenIn((await mailTo(mp, 'max@example.org', /^Bitte bestätigen/)).Text, 'bestaetigen');
    const late = await fetch(`${a.publicUrl}/api/public/bookings/${link}/confirm`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' });
    assert.equal(late.status, 409);
    assert.equal((await late.json()).error.code, 'expired');
    await page.goto(`${a.publicUrl}/buchen/#/bestaetigen/${link}`);
    await page.locator('#confirm-error').waitFor();
    await axeCheck(page);
    await page.screenshot({ path: join(OUT, 'public-expired-360.png'), fullPage: true });
    assert.deepEqual(errors.filter((e) => !/Failed to load resource/.test(e)), [], 'no page errors or CSP violations');
  });
});
