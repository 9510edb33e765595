// End-to-end test of the reception screen (Empfang) against the real
// headless server and Debian's Chromium, typing and clicking as a person at
// the desk would. Run from frontend/ with `npm run e2e` (node --test e2e/)
// after building the binary:
//
//   npm run build && (cd .. && CGO_ENABLED=0 go build -o bin/pforte .)
//
// See helpers.mjs for PFORTE_BIN, CHROMIUM and E2E_OUT. The keystroke count
// for one registration is printed.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import {
  OUT,
  UI_TIMEOUT,
  berlinDay,
  checkPrerequisites,
  countedKeyboard,
  eventually,
  getJSON,
  killServer,
  launchBrowser,
  removeDir,
  sleep,
  startServer,
  stopServer,
  tempDataDir,
  signIn,
  apiFetch,
} from './helpers.mjs';

const BUILDING = 'rathaus-1';
const SITE = 'e2e-rathaus-1';

describe('reception (Empfang) in a real browser', { timeout: 300_000 }, () => {
  let dataDir;
  let browser;
  let server;
  let page;
  let staff;
  let buildingName;
  let presentBefore;
  const pageErrors = [];
  const keys = countedKeyboard(() => page);
  const { type, press } = keys;

  const presentCount = async () => Number(await page.getByTestId('present-count').innerText());
  const presentRow = (name) => page.getByTestId('present-row').filter({ hasText: name });
  const todayRow = (name) => page.getByTestId('today-row').filter({ hasText: name });
  const focusedId = () => page.evaluate(() => document.activeElement?.id ?? '');
  // The header names the building in its selector on this screen.
  const shownBuilding = () => page.getByTestId('building-select').evaluate((s) => s.selectedOptions[0]?.text ?? '');

  async function openReception() {
    await page.goto(`${server.url}/#/empfang`);
    // The host list has arrived: the form is ready for the whole flow.
    await page.locator('[data-testid="host-input"][data-staff-count]').waitFor({ timeout: UI_TIMEOUT });
    await eventually('header shows the building', async () => {
      assert.equal(await shownBuilding(), buildingName);
    });
  }

  async function expectPresentCount(n) {
    await eventually(`"Jetzt im Haus: ${n}"`, async () => {
      assert.equal(await presentCount(), n);
      assert.match(await page.getByTestId('present-title').innerText(), new RegExp(`^Jetzt im Haus: ${n}$`));
    });
  }

  /** Types a few letters of the host and moves with ↓ until that host is highlighted; Enter picks. */
  async function chooseHost(host, shot = '') {
    const lastName = host.name.split(/\s+/).pop();
    await type(lastName.slice(0, 3).toLocaleLowerCase('de-DE'));
    const active = page.locator('[data-testid="host-option"][aria-selected="true"]');
    for (let i = 0; ; i++) {
      await active.waitFor({ timeout: UI_TIMEOUT });
      if ((await active.getAttribute('data-staff-id')) === host.id) break;
      assert.ok(i < staff.length, `host ${host.name} not reachable with ↓`);
      await press('ArrowDown');
    }
    assert.match(await active.innerText(), new RegExp(`${host.name}\\s*—\\s*${host.department}`));
    if (shot) await page.screenshot({ path: join(OUT, shot) });
    await press('Enter');
    assert.equal(await page.getByTestId('host-input').inputValue(), `${host.name} — ${host.department}`);
  }

  before(async () => {
    checkPrerequisites();
    dataDir = tempDataDir();
    server = await startServer(dataDir, { site: SITE, building: BUILDING });

    staff = await getJSON(server, `/api/staff?building=${BUILDING}`);
    assert.ok(staff.length >= 2, 'the demo seeds at least two staff in rathaus-1');
    const buildings = await getJSON(server, '/api/buildings');
    buildingName = buildings.find((b) => b.id === BUILDING)?.name;
    assert.ok(buildingName, `building ${BUILDING} in /api/buildings`);

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

  it('opens with the focus in the name field and shows where it is', async () => {
    await openReception();
    assert.equal(await focusedId(), 'visit-name');
    const header = await page.locator('header.topbar').innerText();
    assert.match(header, /Pforte/);
    assert.match(header, new RegExp(SITE));
    assert.equal(await page.getByTestId('building-select').inputValue(), BUILDING);
    presentBefore = await presentCount();
    assert.match(await page.getByTestId('present-title').innerText(), new RegExp(`Jetzt im Haus: ${presentBefore}`));
  });

  it('warns at a walk-in in an appointment-only town hall and refuses one without a reason', async () => {
    assert.equal(await focusedId(), 'visit-name');
    const warning = page.getByTestId('walk-in-warning');
    assert.match(await warning.innerText(), /Einlass nur mit Termin/);
    await type('Walter Ohnegrund');
    await press('Tab');
    await type('0171 999');
    await press('Tab');
    await press('Tab');
    await press('Tab');
    await chooseHost(staff[0]);
    await press('Enter');
    const message = page.getByTestId('error-reason');
    await eventually('German message at the reason field', async () => {
      assert.match(await message.innerText(), /nur mit Termin.*Grund/);
    });
    assert.equal(await focusedId(), 'visit-reason', 'the focus goes to the reason');
    await page.screenshot({ path: join(OUT, 'reception-walk-in.png') });
    const visits = await getJSON(server, `/api/visits?building=${BUILDING}&day=${berlinDay()}`);
    assert.ok(!visits.some((v) => v.name === 'Walter Ohnegrund'), 'nothing stored without a reason');
    // Clear the form for the next visitor.
    await page.getByTestId('visit-name').fill('');
    await page.getByTestId('visit-phone').fill('');
    await page.getByTestId('host-input').fill('');
    await page.getByTestId('visit-name').focus();
  });

  it('registers a visitor with the keyboard alone', async () => {
    const host = staff[1];
    keys.reset();
    const started = performance.now();
    await type('Erika Mustermann');
    await press('Enter'); // on to what is still needed: the contact
    assert.equal(await focusedId(), 'visit-phone');
    await type('0171 2345678');
    await press('Enter'); // e-mail and address are optional now: on to the host
    assert.equal(await focusedId(), 'visit-host');
    await chooseHost(host, 'reception-host.png');
    // A walk-in in the town hall needs a reason: the Enter that chose the host went there.
    assert.equal(await focusedId(), 'visit-reason');
    await type('Unterlagen abgeben');
    await press('Enter');

    await eventually('confirmation line', async () => {
      assert.equal(
        (await page.getByTestId('confirmation').innerText()).replace(/^✓\s*/, ''),
        `Erika Mustermann angemeldet — wartet auf Abholung durch ${host.name}`,
      );
    });
    // Was 56 with Tab over the empty e-mail and address and from the host to the reason.
    console.log(
      `# keystrokes to register one walk-in (name, phone, host, reason): ${keys.count}, ` +
        `${((performance.now() - started) / 1000).toFixed(1)} s at 15 ms per key`,
    );
    assert.equal(await focusedId(), 'visit-name');
    assert.equal(await page.getByTestId('visit-name').inputValue(), '');
    assert.equal(await page.getByTestId('visit-phone').inputValue(), '');
    assert.equal(await page.getByTestId('host-input').inputValue(), '');

    await expectPresentCount(presentBefore + 1);
    const row = presentRow('Erika Mustermann');
    await eventually('visitor listed as waiting', async () => {
      const text = await row.innerText();
      assert.match(text, /Erika Mustermann/);
      assert.match(text, new RegExp(host.name));
      assert.match(text, /\b\d{2}:\d{2}\b/);
      assert.equal(await row.getByTestId('status').innerText(), 'wartet');
    });
  });

  it('registers a second visitor by e-mail and shows both', async () => {
    const host = staff[0];
    await type('Jonas Becker');
    await press('Tab');
    await press('Tab');
    await type('jonas.becker@example.org');
    await press('Tab');
    await press('Tab');
    await chooseHost(host);
    assert.equal(await focusedId(), 'visit-reason', 'Tab follows the paper form; picking the host goes on to the reason');
    await type('Bauantrag besprechen');
    await press('Enter');
    await expectPresentCount(presentBefore + 2);
    await presentRow('Jonas Becker').waitFor();
    await todayRow('Jonas Becker').waitFor();
    await page.screenshot({ path: join(OUT, 'reception.png') });
    await page.setViewportSize({ width: 1920, height: 1080 });
    await page.screenshot({ path: join(OUT, 'reception-1920.png') });
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  it('refuses a visitor without contact data, in German, at the contact fields', async () => {
    assert.equal(await focusedId(), 'visit-name');
    await type('Max Ohnekontakt');
    await press('Tab');
    await press('Tab');
    await press('Tab');
    await press('Tab');
    await chooseHost(staff[0]);
    await press('Enter');

    const message = page.getByTestId('error-contact');
    await eventually('German message at the contact fields', async () => {
      assert.equal((await message.innerText()).replace(/^⚠\s*/, ''), 'Bitte Telefon, E-Mail oder Anschrift angeben.');
    });
    assert.equal(await page.getByTestId('visit-phone').getAttribute('aria-invalid'), 'true');
    assert.equal(await page.getByTestId('visit-name').inputValue(), 'Max Ohnekontakt', 'the name is kept');
    assert.equal(await page.getByTestId('host-input').inputValue(), `${staff[0].name} — ${staff[0].department}`, 'the host is kept');
    assert.equal(await focusedId(), 'visit-phone', 'the focus goes to the first contact field');
    await page.screenshot({ path: join(OUT, 'reception-error.png') });

    // Nothing was registered: not on the screen, not in the server.
    await sleep(500);
    await expectPresentCount(presentBefore + 2);
    assert.equal(await presentRow('Max Ohnekontakt').count(), 0);
    const visits = await getJSON(server, `/api/visits?building=${BUILDING}&day=${berlinDay()}`);
    assert.ok(!visits.some((v) => v.name === 'Max Ohnekontakt'), 'GET /api/visits has no visit for Max Ohnekontakt');
    assert.equal(visits.filter((v) => ['Erika Mustermann', 'Jonas Becker'].includes(v.name)).length, 2);

    // Typing a phone number takes the message away.
    await type('02921 1030');
    await eventually('message gone', async () => assert.equal(await message.count(), 0));
    assert.equal(await page.getByTestId('visit-phone').getAttribute('aria-invalid'), null);
  });

  it('marks the visitor as picked up with one key (A) on the row', async () => {
    const row = presentRow('Erika Mustermann');
    await row.focus();
    await press('a');
    await eventually('status "abgeholt"', async () => {
      assert.equal(await row.getByTestId('status').innerText(), 'abgeholt');
    });
    await expectPresentCount(presentBefore + 2);
  });

  it('still shows the visitor after a server restart', async () => {
    await stopServer(server);
    const oldUrl = server.url;
    server = await startServer(dataDir, { site: SITE, building: BUILDING });
    await signIn(browser.context, server); // sessions live in memory: a restart signs everyone out
    assert.notEqual(server.url, '', `restarted (was ${oldUrl}, now ${server.url})`);
    await openReception();
    assert.equal(await focusedId(), 'visit-name');
    await expectPresentCount(presentBefore + 2);
    const row = presentRow('Erika Mustermann');
    await eventually('visitor still picked up', async () => {
      assert.equal(await row.getByTestId('status').innerText(), 'abgeholt');
    });
    assert.equal(await presentRow('Jonas Becker').getByTestId('status').innerText(), 'wartet');
  });

  it('lets the visitor leave with one key (G): gone from the present list, kept under "Heute"', async () => {
    await presentRow('Erika Mustermann').focus();
    await press('g');
    await expectPresentCount(presentBefore + 1);
    await eventually('row leaves the present list', async () => {
      assert.equal(await presentRow('Erika Mustermann').count(), 0);
    });
    await eventually('focus back in the name field', async () => assert.equal(await focusedId(), 'visit-name'));
    const row = todayRow('Erika Mustermann');
    await eventually('today shows the departure', async () => {
      assert.equal(await row.getByTestId('status').innerText(), 'gegangen');
      assert.match(await row.getByTestId('today-left').innerText(), /^\d{2}:\d{2}$/);
      assert.match(await row.getByTestId('today-arrived').innerText(), /^\d{2}:\d{2}$/);
    });
    await page.screenshot({ path: join(OUT, 'reception-left.png') });
    const headers = await page.getByTestId('today').locator('thead').innerText();
    assert.match(headers, /Gekommen/);
    assert.match(headers, /Gegangen/);
  });

  it('shows a visitor registered at another desk within a few seconds', async () => {
    const res = await apiFetch(server, '/api/visits', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        building: BUILDING,
        name: 'Paula Nebeneingang',
        phone: '',
        email: 'paula@example.org',
        address: '',
        host: staff[0].id,
        appointment_id: '',
        reason: 'Lieferung',
      }),
    });
    assert.equal(res.status, 201, await res.clone().text());
    // No click, no reload: the 5 s refresh brings it.
    await presentRow('Paula Nebeneingang').waitFor({ timeout: 15_000 });
    await expectPresentCount(presentBefore + 2);
  });

  it('switches the building and back', async () => {
    const other = (await getJSON(server, '/api/buildings')).find((b) => b.id !== BUILDING);
    const otherStaff = await getJSON(server, `/api/staff?building=${other.id}`);
    await page.getByTestId('building-select').selectOption(other.id);
    await eventually('header names the other building', async () => {
      assert.equal(await shownBuilding(), other.name);
    });
    await expectPresentCount(0);
    await eventually('host list of the other building', async () => {
      assert.equal(await page.getByTestId('host-input').getAttribute('data-staff-count'), String(otherStaff.length));
    });
    await page.getByTestId('building-select').selectOption(BUILDING);
    await expectPresentCount(presentBefore + 2);
    assert.equal(await presentRow('Jonas Becker').count(), 1);
  });

  it('raised no script errors and the server stops cleanly', async () => {
    assert.deepEqual(pageErrors, []);
    await stopServer(server);
  });
});
