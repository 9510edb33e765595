// End-to-end test of the data-protection screens (Datenschutz,
// Kontaktverfolgung, Auskunft, Protokoll) against the real headless server
// and Debian's Chromium. The browser is signed in through the API (the
// sign-in screen is not part of this test); reception's visits are
// registered through the API as `empfang`. Run from frontend/:
//
//   PFORTE_BIN=../bin/pforte E2E_OUT=../out node --test e2e/privacy.test.mjs

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import {
  OUT,
  berlinDay,
  checkPrerequisites,
  eventually,
  killServer,
  launchBrowser,
  removeDir,
  startServer,
  stopServer,
  tempDataDir,
} from './helpers.mjs';

const BUILDING = 'rathaus-1';
const SITE = 'e2e-datenschutz';

/** Signs in through the API and answers the session cookie ("name=value"), for calls from here. */
async function signInCookie(url, user) {
  const res = await fetch(`${url}/api/session`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ user, password: 'demo' }),
  });
  assert.equal(res.status, 200, `sign in as ${user}`);
  const cookie = res.headers.getSetCookie().find((c) => !/=;/.test(c));
  assert.ok(cookie, `session cookie for ${user}`);
  return cookie.split(';')[0];
}

/** One API call with a session cookie; answers { status, body }. */
async function api(url, cookie, method, path, body) {
  const headers = { Cookie: cookie, Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(url + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  let parsed = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Not JSON: the text.
  }
  return { status: res.status, body: parsed };
}

/** Signs the page's browser context in as user (the HttpOnly cookie lands in the context). */
async function signInPage(page, url, user) {
  const res = await page.request.post(`${url}/api/session`, { data: { user, password: 'demo' } });
  assert.equal(res.status(), 200, `browser signed in as ${user}`);
}

describe('data protection screens in a real browser', { timeout: 300_000 }, () => {
  let dataDir;
  let server;
  let browser;
  let page;
  let reception; // empfang's cookie
  let privacy; // datenschutz's cookie
  let host;
  const pageErrors = [];
  const day = berlinDay();

  // The shell scrolls inside <main>: scroll what matters into view first.
  const shot = async (name, what) => {
    if (what) await what.scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(OUT, name) });
  };

  async function registerVisit(name, phone) {
    const res = await api(server.url, reception, 'POST', '/api/visits', {
      building: BUILDING,
      name,
      phone,
      email: '',
      address: 'Marktplatz 1, 46282 Dorsten',
      host: host.id,
      appointment_id: '',
      reason: 'Abholung',
    });
    assert.equal(res.status, 201, `register ${name}: ${JSON.stringify(res.body)}`);
    return res.body;
  }

  async function open(route) {
    await page.goto(`${server.url}/#/${route}`);
    await page.getByTestId(route).waitFor();
  }

  before(async () => {
    checkPrerequisites();
    dataDir = tempDataDir();
    server = await startServer(dataDir, { site: SITE, building: BUILDING });
    reception = await signInCookie(server.url, 'empfang');
    privacy = await signInCookie(server.url, 'datenschutz');
    const staff = await api(server.url, reception, 'GET', `/api/staff?building=${BUILDING}`);
    assert.equal(staff.status, 200);
    host = staff.body[0];
    assert.ok(host, 'the demo seeds staff in rathaus-1');

    browser = await launchBrowser({ width: 1280, height: 900 });
    page = browser.context.pages()[0] ?? (await browser.context.newPage());
    page.on('pageerror', (err) => pageErrors.push(String(err)));
    await signInPage(page, server.url, 'datenschutz');
  });

  after(async () => {
    await browser?.close();
    await killServer(server);
    removeDir(dataDir);
  });

  it('saves a retention rule that is still there after a reload', async () => {
    await open('datenschutz');
    const card = page.getByTestId(`retention-${BUILDING}`);
    const visitDays = card.getByTestId('visit_days');
    await eventually('rule loaded', async () => assert.equal(await visitDays.inputValue(), '28'));
    await visitDays.fill('21');
    await card.getByTestId('retention-save').click();
    await eventually('saved', async () => assert.equal(await card.getByTestId('retention-note').innerText(), 'Gespeichert.'));
    await shot('privacy-retention.png');

    await page.reload();
    await page.getByTestId('datenschutz').waitFor();
    await eventually('saved rule after reload', async () =>
      assert.equal(await page.getByTestId(`retention-${BUILDING}`).getByTestId('visit_days').inputValue(), '21'),
    );
    const got = await api(server.url, privacy, 'GET', `/api/buildings/${BUILDING}/retention`);
    assert.equal(got.body.visit_days, 21);
  });

  it('shows the field error for a wrong value and changes nothing', async () => {
    const card = page.getByTestId(`retention-${BUILDING}`);
    const auditDays = card.getByTestId('audit_days');
    const before = await auditDays.inputValue();
    await auditDays.fill('0');
    await card.getByTestId('retention-save').click();
    const err = card.getByTestId('error-audit_days');
    await eventually('field error', async () => assert.match(await err.innerText(), /Zugriffsprotokoll: bitte eine ganze Zahl von 1 bis 3650/));
    assert.equal(await auditDays.getAttribute('aria-invalid'), 'true');
    await shot('privacy-retention-error.png');
    const got = await api(server.url, privacy, 'GET', `/api/buildings/${BUILDING}/retention`);
    assert.equal(String(got.body.audit_days), before, 'nothing written');
    assert.equal(got.body.visit_days, 21);
    await auditDays.fill(before);
  });

  it('sets the contact-tracing margin in the same form: up to 240 minutes', async () => {
    const card = page.getByTestId(`retention-${BUILDING}`);
    const margin = card.getByTestId('tracing_margin_minutes');
    assert.equal(await margin.inputValue(), '15', 'the default margin');
    await margin.fill('300');
    await card.getByTestId('retention-save').click();
    const err = card.getByTestId('error-tracing_margin_minutes');
    await eventually('field error', async () => assert.equal(await err.innerText(), 'Zeitpuffer: bitte eine ganze Zahl von 0 bis 240 Minuten angeben.'));
    assert.equal(await margin.getAttribute('aria-invalid'), 'true');
    let got = await api(server.url, privacy, 'GET', `/api/buildings/${BUILDING}/retention`);
    assert.equal(got.body.tracing_margin_minutes, 15, 'nothing written');

    await margin.fill('20');
    await card.getByTestId('retention-save').click();
    await eventually('saved', async () => assert.equal(await card.getByTestId('retention-note').innerText(), 'Gespeichert.'));
    await shot('privacy-margin.png');
    got = await api(server.url, privacy, 'GET', `/api/buildings/${BUILDING}/retention`);
    assert.equal(got.body.tracing_margin_minutes, 20);
    assert.equal(got.body.visit_days, 21, 'the rest of the rule kept');

    // The desks' idle lock in the same form: 10 minutes by default.
    const idle = card.getByTestId('idle_lock_minutes');
    assert.equal(await idle.inputValue(), '10');
    await idle.fill('5');
    await card.getByTestId('retention-save').click();
    await eventually('idle lock saved', async () => {
      got = await api(server.url, privacy, 'GET', `/api/buildings/${BUILDING}/retention`);
      assert.equal(got.body.idle_lock_minutes, 5);
    });
    assert.equal(got.body.tracing_margin_minutes, 20, 'the margin kept');
  });

  it('runs the purge and says what it erased', async () => {
    await page.getByTestId('purge-run').click();
    await eventually('purge result', async () =>
      assert.match(await page.getByTestId('purge-result').innerText(), /^(Gelöscht: .+|Nichts war abgelaufen.*)$/),
    );
  });

  it('places and lifts a hold', async () => {
    const form = page.getByTestId('hold-form');
    await form.getByTestId('hold-from').fill(day);
    await form.getByTestId('hold-to').fill(day);
    await form.getByTestId('hold-reason').fill('Anforderung Gesundheitsamt Az. 53-2026');
    await form.getByTestId('hold-place').click();
    const row = page.getByTestId('hold-row').filter({ hasText: 'Gesundheitsamt Az. 53-2026' });
    await eventually('hold listed as active', async () => assert.equal(await row.getByTestId('hold-state').innerText(), 'aktiv'));
    await shot('privacy-holds.png', page.getByTestId('hold-place'));
    const listed = await api(server.url, privacy, 'GET', '/api/holds');
    assert.equal(listed.body.filter((h) => h.active).length, 1);

    await row.getByTestId('hold-lift').click();
    await row.getByTestId('hold-lift-confirm').waitFor();
    await shot('privacy-holds-lift.png', row);
    await row.getByTestId('hold-lift-yes').click();
    await eventually('hold lifted', async () => assert.equal(await row.getByTestId('hold-state').innerText(), 'aufgehoben'));
    const after = await api(server.url, privacy, 'GET', '/api/holds');
    assert.equal(after.body.filter((h) => h.active).length, 0);
  });

  it('traces the contacts of a visitor and hands out the PDF', async () => {
    await registerVisit('Greta Indexfall', '0171 1111111');
    const contact = await registerVisit('Paul Kontaktmann', '0171 2222222');
    await open('kontaktverfolgung');
    await page.getByTestId('trace-name').fill('Greta Indexfall');
    assert.equal(await page.getByTestId('trace-day').inputValue(), day);
    await page.getByTestId('trace-search').click();
    const result = page.getByTestId('trace-result');
    await result.waitFor();
    assert.match(await result.getByTestId('index-row').innerText(), /Greta Indexfall/);
    const contactRow = result.getByTestId('contact-row').filter({ hasText: 'Paul Kontaktmann' });
    await eventually('contact listed', async () => {
      const text = await contactRow.innerText();
      assert.match(text, /Besuch/);
      assert.match(text, /0171 2222222/);
      assert.match(text, new RegExp(host.name));
    });
    await shot('privacy-tracing.png');

    const pdfHref = await result.getByTestId('trace-pdf').getAttribute('href');
    assert.match(pdfHref, /^\/api\/contact-tracing\.pdf\?visit=/);
    const pdf = await page.request.get(server.url + pdfHref);
    assert.equal(pdf.status(), 200);
    assert.match(pdf.headers()['content-type'], /application\/pdf/);
    assert.equal((await pdf.body()).subarray(0, 5).toString(), '%PDF-');
    const csvHref = await result.getByTestId('trace-csv').getAttribute('href');
    const csv = await page.request.get(server.url + csvHref);
    assert.equal(csv.status(), 200);
    assert.match(await csv.text(), /Paul Kontaktmann/);
    assert.ok(contact.id);
  });

  it('lets the officer pick among several people of one name', async () => {
    await registerVisit('Max Doppelname', '0171 3333333');
    await registerVisit('Max Doppelname', '0171 4444444');
    await page.getByTestId('trace-name').fill('Max Doppelname');
    await page.getByTestId('trace-search').click();
    const matches = page.getByTestId('match-row');
    await eventually('two matches', async () => assert.equal(await matches.count(), 2));
    await shot('privacy-tracing-ambiguous.png');
    await matches.filter({ hasText: '0171 4444444' }).getByTestId('match-pick').click();
    const index = page.getByTestId('trace-result').getByTestId('index-row');
    await eventually('picked person is the index', async () => assert.match(await index.innerText(), /0171 4444444/));
  });

  it('answers a data-subject request and erases the person on request', async () => {
    await open('auskunft');
    await page.getByTestId('subject-name').fill('Paul Kontaktmann');
    await page.getByTestId('subject-search').click();
    const visitRow = page.getByTestId('subject-visit').filter({ hasText: 'Paul Kontaktmann' });
    await visitRow.waitFor();
    const pdfHref = await page.getByTestId('subject-pdf').getAttribute('href');
    const pdf = await page.request.get(server.url + pdfHref);
    assert.equal(pdf.status(), 200);
    assert.match(pdf.headers()['content-type'], /application\/pdf/);
    await shot('privacy-auskunft.png');

    await page.getByTestId('select-all').check();
    await page.getByTestId('erase-reason').fill('Löschantrag vom heutigen Tag');
    await page.getByTestId('erase').click();
    const confirmBox = page.getByTestId('erase-confirm');
    await confirmBox.waitFor();
    assert.match(await confirmBox.innerText(), /endgültig gelöscht/);
    await shot('privacy-auskunft-confirm.png');
    await page.getByTestId('erase-confirm-yes').click();
    await eventually('erased', async () => assert.match(await page.getByTestId('erased-note').innerText(), /Gelöscht: Besuche: 1/));
    // The screen searched again: the name is gone.
    await page.getByTestId('subject-nothing').waitFor();
    await page.getByTestId('subject-search').click();
    await page.getByTestId('subject-nothing').waitFor();
    await shot('privacy-auskunft-erased.png');
    const again = await api(server.url, privacy, 'GET', '/api/personal-data?name=Paul+Kontaktmann');
    assert.equal(again.status, 200);
    assert.equal(again.body.visits.length, 0);
  });

  it('shows the contact-tracing search in the audit log', async () => {
    await open('protokoll');
    const rows = page.getByTestId('audit-row').filter({ hasText: 'Kontaktverfolgung' });
    await eventually('tracing searches logged', async () => assert.ok((await rows.count()) >= 1));
    const text = await rows.first().innerText();
    assert.match(text, /Gesucht/);
    assert.match(text, /datenschutz/);
    await shot('privacy-protokoll.png');
    // The user filter narrows the log.
    await page.getByTestId('audit-user').fill('empfang');
    await page.getByTestId('audit-show').click();
    await eventually('only empfang', async () => {
      const all = await page.getByTestId('audit-row').allInnerTexts();
      assert.ok(all.length > 0);
      assert.ok(all.every((r) => /empfang/.test(r)), all.join('\n'));
    });
  });

  it('shows the management the rules to read only', async () => {
    await signInPage(page, server.url, 'leitung');
    await open('datenschutz');
    await page.getByTestId('retention-readonly').waitFor();
    const card = page.getByTestId(`retention-${BUILDING}`);
    assert.equal(await card.getByTestId('visit_days').inputValue(), '21');
    assert.equal(await card.getByTestId('retention-save').count(), 0, 'no save for the management');
    assert.equal(await page.getByTestId('purge-run').count(), 0, 'no purge for the management');
    assert.match(await page.getByTestId('holds-error').innerText(), /Sperrvermerke sehen nur Datenschutz und Verwaltung/);
    await shot('privacy-leitung.png');
  });

  it('keeps reception off the data-protection screen, and the server refuses it too', async () => {
    await signInPage(page, server.url, 'empfang');
    await page.goto(`${server.url}/#/datenschutz`);
    await page.reload();
    // The navigation has no such screen for reception: the address leads to its own.
    await eventually('back at reception', async () => assert.equal(new URL(page.url()).hash, '#/empfang'));
    await page.getByTestId('register-form').waitFor();
    assert.equal(await page.getByTestId(`retention-${BUILDING}`).count(), 0, 'no rules shown');
    const cookie = await signInCookie(server.url, 'empfang');
    const res = await fetch(`${server.url}/api/buildings/${BUILDING}/retention`, { headers: { Cookie: cookie } });
    assert.equal(res.status, 403, 'the server refuses reception the rules');
    assert.equal((await res.json()).error.code, 'forbidden');
  });

  it('offers the visit reasons at reception and says how long data is kept', async () => {
    await page.goto(`${server.url}/#/empfang`);
    await page.getByTestId('register-form').waitFor();
    const options = await page.locator('[data-testid="visit-reasons"] option').evaluateAll((os) => os.map((o) => o.value));
    assert.ok(options.includes('Abholung'), options.join(', '));
    await eventually('retention hint', async () =>
      assert.equal(await page.getByTestId('retention-hint').innerText(), 'Die Angaben werden nach 21 Tagen gelöscht.'),
    );
    // The visitor erased on request stays in the list, without a name.
    await eventually('erased visitor shown without a name', async () =>
      assert.ok((await page.getByTestId('visit-name-cell').allInnerTexts()).includes('(Daten gelöscht)')),
    );
    assert.ok(!(await page.getByTestId('present-row').allInnerTexts()).some((r) => /Paul Kontaktmann/.test(r)));
    await page.getByTestId('visit-reason').focus();
    await shot('privacy-reception.png');
  });

  it('had no script errors and stops cleanly', async () => {
    assert.deepEqual(pageErrors, []);
    await stopServer(server);
  });
});
