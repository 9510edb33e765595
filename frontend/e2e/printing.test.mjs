// End-to-end test of printing against the real headless server and
// Debian's Chromium, with no printer anywhere: PFORTE_CUPS points at a port
// on 127.0.0.1 that nothing listens on. So every print fails the way a
// desk's does when CUPS is down, which is what the screens must explain:
// the settings say the print server cannot be reached, Drucken without a
// printer points to the settings, and with a printer set the document waits
// in the print queue, to be printed again or discarded. The previews are
// real PDFs. (A real print through a private cupsd is `make test-cups`.)
//
// The server runs with --fake-time on a Wednesday morning. Build first,
// from the repository root:
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
  putJSON,
  removeDir,
  startServer,
  stopServer,
  tempDataDir,
  unusedPort,
  signIn,
} from './helpers.mjs';

const BUILDING = 'buergerbuero';
const SITE = 'e2e-printing';
const NOW = '2026-11-18T09:05:00+01:00';
const DAY = '2026-11-18';
const PRINTER = 'pforte-pdf';

const squash = (s) => s.replace(/\s+/g, ' ').trim();

describe('printing without a reachable printer', { timeout: 300_000 }, () => {
  let dataDir;
  let browser;
  let server;
  let page;
  let cups;
  let visit;
  let appointment;
  const pageErrors = [];

  const focusedTestId = () => page.evaluate(() => document.activeElement?.getAttribute('data-testid') ?? '');
  const waitingJobs = () => getJSON(server, '/api/print/jobs');

  /** Fetches a preview address in the page, as the new tab would. */
  async function fetchInPage(href) {
    return page.evaluate(async (h) => {
      const res = await fetch(h);
      const head = new Uint8Array(await res.arrayBuffer()).subarray(0, 5);
      return { status: res.status, type: res.headers.get('content-type') ?? '', head: String.fromCharCode(...head) };
    }, href);
  }

  async function assertPDF(href, what) {
    const got = await fetchInPage(href);
    assert.equal(got.status, 200, `${what}: GET ${href}`);
    assert.match(got.type, /^application\/pdf/, `${what}: content type`);
    assert.equal(got.head, '%PDF-', `${what}: starts like a PDF`);
  }

  function badgeActions() {
    return page.locator(`[data-testid="present-row"][data-visit-id="${visit.id}"] [data-testid="print-actions"]`);
  }

  async function openReception() {
    await page.goto(`${server.url}/#/empfang`);
    await badgeActions().waitFor();
  }

  before(async () => {
    checkPrerequisites();
    cups = `127.0.0.1:${await unusedPort()}`;
    dataDir = tempDataDir();
    server = await startServer(dataDir, { site: SITE, building: BUILDING, extraArgs: ['--fake-time', NOW], env: { PFORTE_CUPS: cups } });

    const v = await postJSON(server, '/api/visits', {
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
    visit = v.body;

    const slots = await getJSON(server, `/api/slots?building=${BUILDING}&services=personalausweis&from=${DAY}&days=1&channel=phone`);
    assert.ok(slots.length > 0, 'a free slot on the fake Wednesday');
    const a = await postJSON(server, '/api/appointments', {
      building: BUILDING,
      services: ['personalausweis'],
      start: slots[0].start,
      channel: 'phone',
      citizen: { name: 'Paul Probe', birth_date: '1990-01-01', phone: '', email: '' },
    });
    assert.equal(a.status, 201, JSON.stringify(a.body));
    appointment = a.body;

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

  it('Einstellungen: names the print server in use and says clearly that it cannot be reached', async () => {
    await page.goto(`${server.url}/#/empfang`);
    const nav = page.getByRole('navigation');
    const admin = nav.getByRole('button', { name: 'Verwaltung' });
    await admin.click();
    await nav.getByRole('link', { name: 'Einstellungen' }).click();
    await page.getByTestId('settings-form').waitFor();
    assert.equal(await admin.getAttribute('aria-expanded'), 'false', 'the menu closes on navigation');
    assert.equal(await admin.getAttribute('aria-current'), 'true', 'Verwaltung shows as active');
    await admin.click();
    assert.equal(await nav.getByRole('link', { name: 'Einstellungen', exact: true }).getAttribute('aria-current'), 'page');
    await page.keyboard.press('Escape');
    assert.equal(await page.getByTestId('building-select').count(), 0, 'the settings are the desk’s, not a building’s');

    assert.equal(await page.getByTestId('cups-in-use').innerText(), `In Verwendung: ${cups}`);
    const error = page.getByTestId('printers-error');
    await error.waitFor();
    assert.equal(
      squash(await error.innerText()),
      `Die Drucker können nicht abgefragt werden: Der Druckserver ${cups} ist nicht erreichbar. Bitte prüfen, ob CUPS läuft.`,
    );
    // Nothing to choose but "kein Drucker".
    const options = await page.getByTestId('set-slip-printer').locator('option').allInnerTexts();
    assert.deepEqual(options, ['kein Drucker']);
    await eventually('no waiting documents', async () => {
      assert.equal(squash(await page.getByTestId('print-jobs').locator('.empty').innerText()), 'Keine Dokumente warten.');
    });
  });

  it('Empfang: the badge preview and the day’s registration sheet are PDFs', async () => {
    await openReception();
    const preview = badgeActions().getByTestId('print-preview');
    assert.equal(await preview.getAttribute('href'), `/api/print/badge/${visit.id}.pdf`);
    assert.equal(await preview.getAttribute('target'), '_blank');
    assert.equal(await preview.getAttribute('rel'), 'noopener');
    await assertPDF(await preview.getAttribute('href'), 'badge');

    const sheet = page.locator('[data-testid="today"] [data-testid="print-actions"][data-document="daily-sheet"]');
    const sheetHref = await sheet.getByTestId('print-preview').getAttribute('href');
    assert.equal(sheetHref, `/api/print/daily-sheet.pdf?building=${BUILDING}&day=${DAY}`, "the server's day, not the browser's");
    await assertPDF(sheetHref, 'daily sheet');
  });

  it('Drucken without a printer set: a hint with the way to Einstellungen, nothing queued', async () => {
    await badgeActions().getByTestId('print-go').click();
    const feedback = badgeActions().getByTestId('print-feedback');
    await eventually('the hint', async () => assert.equal(await feedback.getAttribute('data-kind'), 'no_printer'));
    assert.equal(await feedback.getAttribute('role'), 'alert');
    assert.equal(
      squash(await feedback.locator('p').allInnerTexts().then((t) => t.join(' '))),
      'Für Besucherausweise ist an diesem Arbeitsplatz kein Drucker eingestellt. Bitte in den Einstellungen einen Belegdrucker wählen.',
    );
    assert.equal(await feedback.getByTestId('print-settings-link').getAttribute('href'), '#/einstellungen');
    assert.deepEqual(await waitingJobs(), [], 'nothing waits: there was no printer to wait for');

    // Escape closes it and gives the focus back to Drucken.
    await page.keyboard.press('Escape');
    await feedback.waitFor({ state: 'detached' });
    assert.equal(await focusedTestId(), 'print-go');
  });

  it('Drucken with a printer that cannot be reached: the server’s message, the document waits, Erneut drucken by keyboard', async () => {
    const set = await putJSON(server, '/api/settings/printers', { slip_printer: PRINTER });
    assert.equal(set.status, 200, JSON.stringify(set.body));

    // The keyboard: the focus is on Drucken already.
    assert.equal(await focusedTestId(), 'print-go');
    await page.keyboard.press('Enter');
    const feedback = badgeActions().getByTestId('print-feedback');
    await eventually('the 503 message', async () => assert.equal(await feedback.getAttribute('data-kind'), 'waiting'));
    assert.equal(
      await feedback.getByTestId('print-message').innerText(),
      `Drucker „${PRINTER}“ ist nicht erreichbar: der Druckserver ${cups} antwortet nicht.`,
    );
    assert.equal(await feedback.getByTestId('print-waiting').innerText(), 'Das Dokument wartet und kann erneut gedruckt werden.');
    let jobs = await waitingJobs();
    assert.equal(jobs.length, 1, JSON.stringify(jobs));
    assert.deepEqual([jobs[0].document, jobs[0].ref, jobs[0].printer, jobs[0].attempts], ['badge', visit.id, PRINTER, 1]);
    await page.screenshot({ path: join(OUT, 'print-error.png') });

    // Tab reaches "Erneut drucken"; Enter sends the same job again.
    await page.keyboard.press('Tab');
    assert.equal(await focusedTestId(), 'print-retry');
    await page.keyboard.press('Enter');
    await eventually('second attempt', async () => {
      jobs = await waitingJobs();
      assert.equal(jobs.length, 1, 'still one document, not a second copy');
      assert.equal(jobs[0].attempts, 2);
    });
    await eventually('the retry button is back', async () => {
      assert.equal(await feedback.getByTestId('print-retry').innerText(), 'Erneut drucken');
    });
    assert.equal(await focusedTestId(), 'print-retry', 'the focus stays on Erneut drucken');

    // Drucken once more also sends the waiting job rather than a copy.
    await badgeActions().getByTestId('print-go').click();
    await eventually('third attempt', async () => {
      jobs = await waitingJobs();
      assert.equal(jobs.length, 1);
      assert.equal(jobs[0].attempts, 3);
    });
  });

  it('Einstellungen list the waiting document; Erneut drucken fails the same way, Verwerfen removes it', async () => {
    await badgeActions().getByTestId('print-settings-link').click();
    await page.getByTestId('settings-form').waitFor();
    const job = page.getByTestId('print-job');
    await job.waitFor();
    assert.equal(await job.count(), 1);
    assert.equal(await job.getByTestId('job-title').innerText(), 'Besucherausweis');
    assert.equal(await job.getByTestId('job-printer').innerText(), `für „${PRINTER}“`);
    assert.equal(await job.getByTestId('job-attempts').innerText(), '3 Versuche');
    assert.match(await job.getByTestId('job-error').innerText(), new RegExp(`Drucker „${PRINTER}“ ist nicht erreichbar`));
    assert.equal(await page.getByTestId('print-jobs-count').innerText(), '1');
    // The printer set over the API stays chosen, though the server cannot list it.
    assert.equal(await page.getByTestId('set-slip-printer').inputValue(), PRINTER);
    await page.mouse.move(0, 700); // no hover left from the link clicked here
    await page.screenshot({ path: join(OUT, 'settings.png') });

    await job.getByTestId('job-retry').click();
    await eventually('the retry’s message', async () => {
      assert.equal(
        await page.getByTestId('print-jobs-error').innerText(),
        `Drucker „${PRINTER}“ ist nicht erreichbar: der Druckserver ${cups} antwortet nicht.`,
      );
      assert.equal(await job.getByTestId('job-attempts').innerText(), '4 Versuche');
    });

    await job.getByTestId('job-discard').click();
    await job.waitFor({ state: 'detached' });
    assert.equal(squash(await page.getByTestId('print-jobs-notice').innerText()), '✓ Besucherausweis verworfen.');
    assert.equal(await page.getByTestId('print-jobs-count').innerText(), '0');
    assert.deepEqual(await waitingJobs(), []);
  });

  it('Tagesansicht: the attendance list and each slip are PDFs; the list wants an A4 printer', async () => {
    await page.goto(`${server.url}/#/tag`);
    const row = page.locator(`[data-testid="appt-row"][data-appointment-id="${appointment.id}"]`);
    await row.waitFor();
    const slip = row.getByTestId('print-preview');
    assert.equal(await slip.innerText(), 'Terminzettel');
    assert.equal(await slip.getAttribute('aria-label'), 'Vorschau: Terminzettel Paul Probe (öffnet einen neuen Tab)');
    assert.equal(await slip.getAttribute('href'), `/api/print/slip/${appointment.id}.pdf`);
    assert.equal(await row.getByTestId('print-go').count(), 0, 'only the preview in a row');
    await assertPDF(await slip.getAttribute('href'), 'slip');

    const list = page.locator('.dayview-bar [data-testid="print-actions"][data-document="attendance"]');
    const href = await list.getByTestId('print-preview').getAttribute('href');
    assert.equal(href, `/api/print/attendance.pdf?building=${BUILDING}&day=${DAY}`);
    await assertPDF(href, 'attendance list');

    await list.getByTestId('print-go').click();
    const feedback = list.getByTestId('print-feedback');
    await eventually('the hint', async () => assert.equal(await feedback.getAttribute('data-kind'), 'no_printer'));
    assert.match(await feedback.innerText(), /Für die Anwesenheitsliste ist an diesem Arbeitsplatz kein A4-Drucker eingestellt\./);
    await feedback.getByTestId('print-close').click();
    await feedback.waitFor({ state: 'detached' });
  });

  it('Einstellungen save format, switches and print server; the server’s complaint shows at the field', async () => {
    await page.goto(`${server.url}/#/einstellungen`);
    await page.getByTestId('settings-form').waitFor();
    await page.getByTestId('printers-error').waitFor();

    await page.getByTestId('set-format-receipt').check();
    await page.getByTestId('set-badge-on-register').focus();
    await page.keyboard.press('Space');
    assert.equal(await page.getByTestId('set-badge-on-register').isChecked(), true);
    await page.getByTestId('set-cups-server').fill('druck server');
    await page.getByTestId('settings-save').click();
    const fieldError = page.locator('#err-cups_server');
    await eventually('German message at the print server field', async () => {
      assert.match(await fieldError.innerText(), /Druckserver/);
    });
    assert.equal(await page.getByTestId('set-cups-server').getAttribute('aria-invalid'), 'true');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'set-cups-server');
    let saved = await getJSON(server, '/api/settings/printers');
    assert.equal(saved.slip_format, '', 'nothing saved while a field is wrong');

    await page.getByTestId('set-cups-server').fill(cups);
    await page.getByTestId('settings-save').click();
    await eventually('saved', async () => {
      assert.equal(squash(await page.getByTestId('settings-saved').innerText()), '✓ Gespeichert.');
    });
    saved = await getJSON(server, '/api/settings/printers');
    assert.deepEqual(
      [saved.slip_printer, saved.a4_printer, saved.slip_format, saved.print_badge_on_register, saved.print_daily_sheet_at_close, saved.cups_server, saved.cups_server_in_use],
      [PRINTER, '', 'receipt', true, false, cups, cups],
    );

    // The slip's preview follows the desk's format now.
    await page.goto(`${server.url}/#/tag`);
    const slip = page.locator(`[data-testid="appt-row"][data-appointment-id="${appointment.id}"] [data-testid="print-preview"]`);
    await eventually('receipt preview', async () => {
      assert.equal(await slip.getAttribute('href'), `/api/print/slip/${appointment.id}.pdf?format=receipt`);
    });
    await assertPDF(await slip.getAttribute('href'), 'receipt slip');

  });

  it('Empfang: a badge printed at registration that does not come out is said at once, and waits in the queue', async () => {
    // The desk prints badges at registration now (saved above), and its print server cannot be reached.
    await page.goto(`${server.url}/#/empfang`);
    await page.getByTestId('register-form').waitFor();
    const before = (await waitingJobs()).length;
    await page.getByTestId('visit-name').fill('Hans Ausweislos');
    await page.locator('#visit-phone').fill('0171 7654321');
    await page.getByTestId('host-input').fill('Ayd');
    const option = page.locator('[data-testid="host-option"][data-staff-id="staff-aydin"]');
    await option.waitFor();
    await option.click();
    await page.locator('#visit-reason').fill('Unterlagen abgeben');
    await page.getByTestId('submit').click();
    await eventually('registered', async () => assert.match(await page.getByTestId('confirmation').innerText(), /Hans Ausweislos angemeldet/));
    const warning = page.getByTestId('badge-warning');
    await eventually('the badge warning', async () =>
      assert.match(squash(await warning.innerText()), /^Der Ausweis wurde nicht gedruckt \(Drucker „pforte-pdf“ ist nicht erreichbar.*\)\. Er wartet in der Druckwarteschlange/),
    );
    assert.equal(await warning.getAttribute('role'), 'alert');
    await page.screenshot({ path: join(OUT, 'reception-badge-warning.png') });
    const jobs = await waitingJobs();
    assert.equal(jobs.length, before + 1, 'the badge waits in the print queue');
    assert.ok(jobs.some((j) => j.document === 'badge' && j.ref !== visit.id), JSON.stringify(jobs));

    const off = await putJSON(server, '/api/settings/printers', { print_badge_on_register: false });
    assert.equal(off.status, 200);
  });

  it('raised no script errors and the server stops cleanly', async () => {
    assert.deepEqual(pageErrors, []);
    await stopServer(server);
  });
});
