// Sign-in, roles, lock and devices in a real browser against `pforte serve
// --demo` (accounts: user = role name, password "demo"; "demo" holds every
// role): the sign-in's error, each role's navigation, the lock screen with
// password and PIN, a kiosk paired from a second browser that checks a
// citizen in with the birth date (and shows no personal data), and a form
// post and a fetch from a page of another origin. The server's clock starts
// on a Wednesday morning, so the kiosk has an appointment of the day.
//
// Screenshots: sign-in.png, lock.png, benutzer.png, geraete.png, kiosk-paired.png.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { join } from 'node:path';
import {
  OUT,
  UI_TIMEOUT,
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
} from './helpers.mjs';

const SITE = 'e2e-anmeldung';
const BUILDING = 'rathaus-1';
const NOW = '2026-11-18T08:05:00+01:00';
const DAY = '2026-11-18';

describe('sign-in, roles, lock and devices in a real browser', () => {
  const dataDir = tempDataDir();
  let server;
  let browser;
  let kioskBrowser;
  let page;
  let evil;
  const pageErrors = [];
  const forbidden = [];

  const signInShown = () => page.getByTestId('sign-in').waitFor();

  async function signInAs(user, password = 'demo') {
    await page.goto(`${server.url}/#/`);
    await signInShown();
    await page.locator('#signin-user').fill(user);
    await page.locator('#signin-password').fill(password);
    await page.locator('#signin-password').press('Enter');
    await page.getByTestId('who').waitFor();
  }

  /** Opens the person's menu in the header (PIN festlegen, Abmelden). */
  async function userMenu(testid) {
    await page.getByTestId('user-menu').locator('button').first().click();
    await page.getByTestId(testid).click();
  }

  async function signOut() {
    await userMenu('sign-out');
    await signInShown();
  }

  /** The header's links and the Verwaltung menu's, as routes. */
  async function navOf() {
    const routes = (sel) => page.locator(sel).evaluateAll((as) => as.map((a) => a.getAttribute('href').replace('#/', '')));
    const main = await routes('header nav > a');
    let admin = [];
    if ((await page.getByTestId('admin-menu').count()) > 0) {
      await page.getByTestId('admin-menu').locator('button').click();
      admin = await routes('[data-testid="admin-menu"] a');
      await page.keyboard.press('Escape');
    }
    return { main, admin };
  }

  before(async () => {
    checkPrerequisites();
    server = await startServer(dataDir, { site: SITE, building: BUILDING, extraArgs: ['--fake-time', NOW] });
    browser = await launchBrowser();
    page = browser.context.pages()[0] ?? (await browser.context.newPage());
    page.on('pageerror', (err) => pageErrors.push(String(err)));
    page.on('response', (res) => {
      if (res.status() === 403) forbidden.push(`${res.request().method()} ${res.url()}`);
    });
  });

  after(async () => {
    await browser?.close();
    await kioskBrowser?.close();
    await new Promise((res) => (evil ? evil.close(res) : res()));
    await killServer(server);
    removeDir(dataDir);
  });

  it('shows the sign-in first, and one clear error for a wrong password', async () => {
    await page.goto(`${server.url}/#/empfang`);
    await signInShown();
    assert.equal(await page.getByTestId('present').count(), 0, 'nothing of the desk before the sign-in');
    await page.screenshot({ path: join(OUT, 'sign-in.png') });
    await page.locator('#signin-user').fill('empfang');
    await page.locator('#signin-password').fill('falsch');
    await page.locator('#signin-password').press('Enter');
    await eventually('the error', async () =>
      assert.equal(await page.getByTestId('sign-in-error').innerText(), 'Benutzername oder Passwort ist falsch.'),
    );
    assert.equal(await page.locator('#signin-password').inputValue(), '', 'the wrong password is cleared');
  });

  it('shows each role only the screens it may use, and none of them answers 403', async () => {
    const want = {
      empfang: { main: ['empfang', 'besuche'], admin: [] },
      sachbearbeitung: { main: ['besuche', 'termin', 'tag'], admin: [] },
      leitung: { main: ['besuche', 'termin', 'tag', 'posteingang'], admin: ['abwesenheiten', 'datenschutz', 'kontaktverfolgung'] },
      admin: { main: [], admin: ['standorte', 'kontingente', 'abwesenheiten', 'benutzer', 'geraete', 'datenschutz', 'protokoll', 'einstellungen'] },
      datenschutz: { main: [], admin: ['datenschutz', 'kontaktverfolgung', 'auskunft', 'protokoll'] },
    };
    for (const [role, nav] of Object.entries(want)) {
      await signInAs(role);
      const name = (await getJSON(server, '/api/accounts')).find((a) => a.user === role).name;
      assert.equal(await page.getByTestId('user-menu').locator('button').first().getAttribute('title'), `Angemeldet: ${name}`);
      const got = await navOf();
      assert.deepEqual(got.main, nav.main, `${role}: the header's links`);
      for (const r of nav.admin) assert.ok(got.admin.includes(r), `${role}: Verwaltung has ${r} (got ${got.admin})`);
      if (nav.admin.length === 0) assert.deepEqual(got.admin, [], `${role}: no Verwaltung`);
      forbidden.length = 0;
      for (const r of [...nav.main, ...nav.admin]) {
        await page.goto(`${server.url}/#/${r}`);
        await page.waitForTimeout(600);
        assert.equal(new URL(page.url()).hash, `#/${r}`, `${role} stays on ${r}`);
      }
      assert.deepEqual(forbidden, [], `${role}: no screen of its own answers 403`);
      await signOut();
    }
  });

  it('does not let reception reach a screen it may not use', async () => {
    await signInAs('empfang');
    for (const r of ['termin', 'tag', 'benutzer', 'geraete', 'posteingang']) {
      await page.goto(`${server.url}/#/${r}`);
      await eventually(`${r} leads back to Empfang`, async () => assert.equal(new URL(page.url()).hash, '#/empfang'));
      await page.getByTestId('present').waitFor();
    }
    const datenschutz = await launchBrowser();
    try {
      const p = datenschutz.context.pages()[0] ?? (await datenschutz.context.newPage());
      await p.goto(`${server.url}/#/`);
      await p.locator('#signin-user').fill('datenschutz');
      await p.locator('#signin-password').fill('demo');
      await p.locator('#signin-password').press('Enter');
      await p.getByTestId('who').waitFor();
      const links = await p.locator('header nav > a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
      for (const r of ['#/empfang', '#/besuche', '#/termin', '#/tag', '#/posteingang']) assert.ok(!links.includes(r), `datenschutz has no ${r}`);
      await p.goto(`${server.url}/#/empfang`);
      await p.waitForTimeout(500);
      assert.equal(await p.getByTestId('present').count(), 0, 'datenschutz sees no visitor list');
    } finally {
      await datenschutz.close();
    }
    await signOut();
  });

  it('hides the visitors behind "Sperren" and unlocks with the password', async () => {
    const staff = await getJSON(server, `/api/staff?building=${BUILDING}`);
    const v = await postJSON(server, '/api/visits', {
      building: BUILDING, name: 'Gerda Geheim', phone: '', email: 'gerda@example.org', address: '',
      host: staff[0].id, appointment_id: '', reason: 'Abgabe Bauantrag',
    });
    assert.equal(v.status, 201, JSON.stringify(v.body));
    await signInAs('empfang');
    await page.goto(`${server.url}/#/empfang`);
    await page.getByTestId('present-row').filter({ hasText: 'Gerda Geheim' }).waitFor();

    await page.getByTestId('lock-button').click();
    await page.getByTestId('lock-screen').waitFor();
    assert.ok(!(await page.locator('body').innerText()).includes('Gerda Geheim'), 'the lock screen hides the visitors');
    assert.equal(await page.getByTestId('present').count(), 0);
    await page.screenshot({ path: join(OUT, 'lock.png') });
    // The server holds the lock too: the visitor list answers 401 locked.
    const locked = await page.request.get(`${server.url}/api/visits?building=${BUILDING}&day=${DAY}`);
    assert.equal(locked.status(), 401);
    assert.equal((await locked.json()).error.code, 'locked');

    await page.locator('#unlock-secret').fill('falsch');
    await page.locator('#unlock-secret').press('Enter');
    await page.getByTestId('unlock-error').waitFor();
    await page.locator('#unlock-secret').fill('demo');
    await page.locator('#unlock-secret').press('Enter');
    await page.getByTestId('present-row').filter({ hasText: 'Gerda Geheim' }).waitFor();
  });

  it('locks when the session is locked elsewhere (as the idle lock does)', async () => {
    // Another tab of the same desk locks the session; this one's next poll hears 401 locked.
    const res = await page.request.post(`${server.url}/api/session/lock`, { data: {} });
    assert.equal(res.status(), 200);
    await page.getByTestId('lock-screen').waitFor({ timeout: UI_TIMEOUT });
    assert.ok(!(await page.locator('body').innerText()).includes('Gerda Geheim'));
    await page.locator('#unlock-secret').fill('demo');
    await page.locator('#unlock-secret').press('Enter');
    await page.getByTestId('present').waitFor();
  });

  it('sets a PIN and unlocks with it; "Andere Person anmelden" switches in one step', async () => {
    await userMenu('pin-button');
    await page.getByTestId('pin-dialog').waitFor();
    await page.locator('#pin-new').fill('4711');
    await page.locator('#pin-again').fill('4711');
    await page.locator('#pin-again').press('Enter');
    await eventually('PIN saved', async () => assert.equal(await page.getByTestId('notice').innerText(), 'PIN gespeichert.'));

    await page.getByTestId('lock-button').click();
    await page.getByTestId('lock-screen').waitFor();
    assert.equal(await page.locator('label[for="unlock-secret"]').innerText(), 'PIN');
    await page.locator('#unlock-secret').fill('4711');
    await page.locator('#unlock-secret').press('Enter');
    await page.getByTestId('present').waitFor();

    await page.getByTestId('lock-button').click();
    await page.getByTestId('other-person').click();
    await signInShown();
    await page.locator('#signin-user').fill('sachbearbeitung');
    await page.locator('#signin-password').fill('demo');
    await page.locator('#signin-password').press('Enter');
    await page.getByTestId('who').waitFor();
    assert.equal(await page.getByTestId('present').count(), 0, 'the clerk does not see the reception');
    await signOut();
  });

  it('lets the admin keep accounts and pair a kiosk, which then shows its check-in only', async () => {
    await signInAs('admin');
    await page.getByTestId('admin-menu').locator('button').click();
    await page.getByTestId('admin-menu').getByRole('link', { name: 'Benutzer' }).click();
    await page.getByTestId('account-list').waitFor();
    await page.getByTestId('account-add').click();
    await page.locator('#account-user').fill('mmuster');
    await page.locator('#account-name').fill('Maria Muster');
    await page.locator('#account-password').fill('Pforte-Test-2026!');
    await page.locator('input[data-role="empfang"]').check();
    await page.locator(`input[data-building="${BUILDING}"]`).check();
    await page.getByRole('button', { name: 'Konto anlegen' }).click();
    const row = page.getByTestId('account-row').filter({ hasText: 'mmuster' });
    await row.waitFor();
    assert.match(await row.innerText(), /Maria Muster\s+Empfang/);
    await page.screenshot({ path: join(OUT, 'benutzer.png'), fullPage: true });

    await page.goto(`${server.url}/#/geraete`);
    await page.getByTestId('device-add').click();
    await page.locator('#device-name').fill('Kiosk Foyer');
    await page.locator('#device-kind').selectOption('kiosk');
    await page.locator('#device-building').selectOption(BUILDING);
    await page.getByTestId('device-form').getByRole('button', { name: 'Gerät hinzufügen' }).click();
    const code = (await page.getByTestId('pairing-code-value').innerText()).trim();
    assert.match(code, /^[A-Z2-9]{4}-[A-Z2-9]{4}$/);
    await page.getByTestId('device-row').filter({ hasText: 'Kiosk Foyer' }).waitFor();
    await page.screenshot({ path: join(OUT, 'geraete.png'), fullPage: true });

    kioskBrowser = await launchBrowser();
    const kiosk = kioskBrowser.context.pages()[0] ?? (await kioskBrowser.context.newPage());
    kiosk.on('pageerror', (err) => pageErrors.push(`kiosk: ${err}`));
    await kiosk.goto(`${server.url}/#/koppeln`);
    await kiosk.locator('#pair-code').fill(code.toLowerCase().replace('-', ' '));
    await kiosk.locator('#pair-code').press('Enter');
    await kiosk.getByTestId('checkin').waitFor();
    assert.equal(new URL(kiosk.url()).hash, `#/checkin?building=${BUILDING}`);
    await kiosk.screenshot({ path: join(OUT, 'kiosk-paired.png') });

    const visits = await kiosk.request.get(`${server.url}/api/visits?building=${BUILDING}&day=${DAY}`);
    assert.ok([401, 403].includes(visits.status()), `the kiosk reads no visits (got ${visits.status()})`);
    await kiosk.goto(`${server.url}/#/empfang`);
    await eventually('the kiosk stays on its screen', async () => assert.equal(new URL(kiosk.url()).hash, `#/checkin?building=${BUILDING}`));
    await kiosk.getByTestId('checkin').waitFor();

    // A citizen booked for this morning checks in at the paired kiosk with the birth date.
    const slots = await getJSON(server, `/api/slots?building=${BUILDING}&services=hundesteuer&from=${DAY}&days=1&channel=phone`);
    assert.ok(slots.length > 0, 'a free slot on the fake Wednesday');
    const booked = await postJSON(server, '/api/appointments', {
      building: BUILDING, services: ['hundesteuer'], start: slots[0].start, channel: 'phone',
      citizen: { name: 'Klara Kioskprobe', birth_date: '1971-05-09', phone: '0171 5550199', email: 'klara@example.org' },
    });
    assert.equal(booked.status, 201, JSON.stringify(booked.body));
    const answered = kiosk.waitForResponse((r) => r.url() === `${server.url}/api/checkin` && r.request().method() === 'POST');
    for (const k of ['0', '9', '0', '5', '1', '9', '7', '1', 'ok']) await kiosk.locator(`[data-testid="keypad"] [data-key="${k}"]`).click();
    const res = await answered;
    assert.equal(res.status(), 200);
    const body = await res.text();
    for (const secret of ['Klara', 'Kioskprobe', '1971-05-09', '0171 5550199', 'klara@example.org', booked.body.code]) {
      assert.ok(!body.includes(secret), `the kiosk's answer holds ${secret}: ${body}`);
    }
    const ticket = (await kiosk.getByTestId('checkin-ticket').innerText()).trim();
    assert.equal(ticket, JSON.parse(body).ticket);
    assert.doesNotMatch(await kiosk.locator('body').innerText(), /Klara|Kioskprobe/, 'no name on the public screen');
    await kiosk.screenshot({ path: join(OUT, 'kiosk-checked-in.png') });
    const day = await getJSON(server, `/api/appointments?building=${BUILDING}&day=${DAY}`);
    assert.equal(day.find((x) => x.id === booked.body.id).status, 'checked_in');

    await page.reload();
    await eventually('the list shows it paired', async () =>
      assert.equal(await page.getByTestId('device-row').filter({ hasText: 'Kiosk Foyer' }).getAttribute('data-state'), 'paired'),
    );
    await signOut();
  });

  it('registers nothing from a form posted by a page of another origin', async () => {
    const before = (await getJSON(server, `/api/visits?building=${BUILDING}&day=${DAY}`)).length;
    const staff = await getJSON(server, `/api/staff?building=${BUILDING}`);
    // text/plain makes the body JSON-shaped: name={"building":…,"x":" and value="} .
    const json = JSON.stringify({
      building: BUILDING, name: 'Eva Fremdseite', phone: '', email: 'eva@example.org', address: '',
      host: staff[0].id, appointment_id: '', reason: 'Angriff', x: '',
    });
    const fieldName = json.slice(0, -2);
    const html = `<!doctype html><html><body>
<form id="f" method="post" enctype="text/plain" action="${server.url}/api/visits">
<input type="hidden" name='${fieldName.replace(/'/g, '&#39;')}' value='"}'>
</form><script>
// First a fetch with the desk's cookie: no-cors lets a text/plain body through without asking.
fetch(${JSON.stringify(`${server.url}/api/visits`)}, { method: 'POST', mode: 'no-cors', credentials: 'include',
  headers: { 'Content-Type': 'text/plain' }, body: ${JSON.stringify(json.replace('Eva Fremdseite', 'Fritz Fremdabruf'))} })
  .catch(() => {})
  .finally(() => { document.title = 'fetched'; document.getElementById('f').submit(); });
</script></body></html>`;
    evil = createServer((req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
      res.end(html);
    });
    await new Promise((res) => evil.listen(0, '127.0.0.1', res));
    const evilUrl = `http://127.0.0.1:${evil.address().port}/`;

    // The desk is signed in (demo): the cookie is the one a real attack would ride on.
    await page.goto(`${server.url}/#/`);
    await page.getByTestId('sign-in').waitFor();
    await page.locator('#signin-user').fill('demo');
    await page.locator('#signin-password').fill('demo');
    await page.locator('#signin-password').press('Enter');
    await page.getByTestId('who').waitFor();

    const statuses = [];
    const both = new Promise((resolve) => {
      page.on('response', (r) => {
        if (r.url().startsWith(`${server.url}/api/visits`) && r.request().method() === 'POST') {
          statuses.push(r.status());
          if (statuses.length === 2) resolve();
        }
      });
    });
    await page.goto(evilUrl);
    await both;
    for (const st of statuses) assert.ok([403, 415].includes(st), `the cross-origin fetch and post are refused (got ${statuses})`);
    const after = await getJSON(server, `/api/visits?building=${BUILDING}&day=${DAY}`);
    assert.equal(after.length, before);
    assert.ok(!after.some((v) => v.name === 'Eva Fremdseite' || v.name === 'Fritz Fremdabruf'));
  });

  it('raised no script errors and the server stops cleanly', async () => {
    assert.deepEqual(pageErrors, []);
    await stopServer(server);
  });
});

describe('the first start: setup with the code from the console', () => {
  const dataDir = tempDataDir();
  let server;
  let browser;

  before(async () => {
    checkPrerequisites();
    server = await startServer(dataDir, { site: 'e2e-einrichtung', building: BUILDING, demo: false });
    assert.match(server.setupCode, /^[A-Z2-9]{4}-[A-Z2-9]{4}$/, 'the server printed its setup code');
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await killServer(server);
    removeDir(dataDir);
  });

  it('goes to #/einrichtung by itself, refuses a wrong code, and signs the first admin in', async () => {
    const page = browser.context.pages()[0] ?? (await browser.context.newPage());
    const errors = [];
    page.on('pageerror', (err) => errors.push(String(err)));
    await page.goto(`${server.url}/`);
    await page.getByTestId('setup').locator('form').waitFor();
    assert.equal(new URL(page.url()).hash, '#/einrichtung');

    await page.locator('#setup-code').fill('AAAA-AAAA');
    await page.locator('#setup-user').fill('ikraus');
    await page.locator('#setup-name').fill('Ines Kraus');
    await page.locator('#setup-password').fill('Erster-Start-2026');
    await page.locator('#setup-again').fill('Erster-Start-2026');
    await page.locator('#setup-again').press('Enter');
    await eventually('the wrong code is refused', async () =>
      assert.match(await page.getByTestId('setup').locator('.form-error').innerText(), /Einrichtungscode stimmt nicht/),
    );

    await page.locator('#setup-code').fill(server.setupCode.toLowerCase());
    await page.locator('#setup-again').press('Enter');
    await page.getByTestId('accounts').waitFor();
    assert.equal(new URL(page.url()).hash, '#/benutzer');
    await page.getByTestId('account-row').filter({ hasText: 'ikraus' }).waitFor();
    assert.equal(await page.getByTestId('user-menu').locator('button').first().getAttribute('title'), 'Angemeldet: Ines Kraus');
    await page.screenshot({ path: join(OUT, 'einrichtung-fertig.png') });

    // Set up once: the page says so and leads to the sign-in.
    await page.goto(`${server.url}/#/einrichtung`);
    await page.getByRole('button', { name: 'Zur Anmeldung' }).click();
    await page.getByTestId('who').waitFor();
    assert.deepEqual(errors, []);
  });
});
