// End-to-end test of Verwaltung → E-Mail & Online-Termine against the real
// headless server, a real SMTP server (mailpit) and Debian's Chromium:
//
// - a booking with an e-mail address is cancelled before mail is set up:
//   its mail waits in the outbox;
// - the admin opens the screen from the Verwaltung menu; a SMTP server
//   without a port, and plain SMTP to a host that is not this machine, are
//   refused under their fields and nothing is saved;
// - a server nobody answers at saves: this site sends, the mail fails, the
//   outbox shows the error and the next attempt;
// - mailpit's address saves: the password is stored but never shown, the
//   mail arrives at mailpit and the outbox says so;
// - a building's online rules: a confirmation window out of range is
//   refused under its field and nothing changes; 45 minutes and a privacy
//   notice of two lines save (with Enter, from the keyboard).
//
// Build first (make build); mailpit from scripts/install-deps.sh test;
// helpers.mjs for PFORTE_BIN, CHROMIUM, E2E_OUT.

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
  signIn,
  startServer,
  tempDataDir,
  unusedPort,
} from './helpers.mjs';
import { axeCheck, startMailpit } from './public-helpers.mjs';

const SITE = 'e2e-online';
const BUILDING = 'buergerbuero';
const NOW = '2026-11-18T08:05:00+01:00';
const CITIZEN = { name: 'Klaus Becker', birth_date: '1961-09-30', phone: '', email: 'klaus@example.org' };
const PRIVACY = 'Die Stadt verarbeitet Ihre Angaben nur für diesen Termin.\nFragen: datenschutz@soest.example';

describe('E-Mail & Online-Termine: the mail site, the outbox, a building\'s online rules', { timeout: 360_000 }, () => {
  const dirs = [];
  let mp;
  let server;
  let browser;
  let page;
  const errors = [];

  before(async () => {
    checkPrerequisites();
    dirs.push(tempDataDir(), tempDataDir());
    mp = await startMailpit(dirs[1]);
    server = await startServer(dirs[0], { site: SITE, building: BUILDING, extraArgs: ['--fake-time', NOW] });
    browser = await launchBrowser({ width: 1280, height: 900 });
    await signIn(browser.context, server, 'admin', 'demo');
    page = browser.context.pages()[0] ?? (await browser.context.newPage());
    page.on('pageerror', (err) => errors.push(String(err)));
    // The refused saves answer 400 on purpose: those the browser logs are no fault.
    page.on('response', (res) => {
      if (res.status() >= 400 && !(res.status() === 400 && res.request().method() === 'PUT')) errors.push(`${res.status()} ${res.url()}`);
    });
  });

  after(async () => {
    await browser?.close();
    await killServer(server);
    mp?.proc.kill();
    for (const d of dirs) removeDir(d);
  });

  const status = () => page.getByTestId('mail-status-text');

  /**
   * A screenshot of the whole screen at width: the desk's main area scrolls
   * by itself (a full-page shot would cut it), so the window grows to it.
   */
  async function shoot(name, width) {
    await page.setViewportSize({ width, height: 900 });
    const height = await page.evaluate(() => {
      const main = document.querySelector('main');
      return main.getBoundingClientRect().top + main.scrollHeight;
    });
    await page.setViewportSize({ width, height: Math.ceil(height) });
    await page.screenshot({ path: join(OUT, name) });
    await page.setViewportSize({ width: 1280, height: 900 });
  }
  const outboxRows = () => page.getByTestId('outbox-row');

  it('keeps a wrong SMTP server out, under its field, and saves nothing', async () => {
    // A booking with an e-mail address, cancelled: its mail waits, as no site sends yet.
    const booked = await postJSON(server, '/api/appointments', {
      building: BUILDING, services: ['anmeldung'], start: '2026-11-25T09:00:00+01:00', channel: 'phone', citizen: CITIZEN,
    });
    assert.equal(booked.status, 201, JSON.stringify(booked.body));
    const cancelled = await postJSON(server, `/api/appointments/${booked.body.id}/cancel`, {});
    assert.equal(cancelled.status, 200, JSON.stringify(cancelled.body));

    // The admin opens it from the Verwaltung menu.
    await page.goto(`${server.url}/#/standorte`);
    await page.getByTestId('admin-menu').getByRole('button').click();
    await page.getByTestId('admin-menu').getByRole('link', { name: 'E-Mail & Online-Termine' }).click();
    await page.getByTestId('onlinetermine').waitFor();
    assert.equal(new URL(page.url()).hash, '#/onlinetermine');
    await status().waitFor();
    assert.match(await status().innerText(), /^E-Mail ist noch nicht eingerichtet/);
    assert.equal(await page.getByTestId('mail-starttls').isChecked(), true, 'STARTTLS is on by default');
    assert.match(await page.getByTestId('mail-takeover').innerText(), new RegExp(`dieser Standort \\(${SITE}\\) zum versendenden Standort`));

    // The waiting mail: "Absage", no name or address anywhere in the list.
    await eventually('the cancelled booking\'s mail waits', async () => {
      assert.equal(await outboxRows().count(), 1);
      assert.equal(await page.getByTestId('outbox-count-queued').locator('dd').innerText(), '1');
    });
    const row = await outboxRows().first().innerText();
    assert.match(row, /Absage/);
    assert.match(row, /wartend/);
    assert.match(row, /18\.11\.2026, 08:0\d\sUhr/);
    const outboxText = await page.getByTestId('outbox').innerText();
    assert.ok(!outboxText.includes('Klaus') && !outboxText.includes('klaus@example.org'), 'no personal data in the outbox');

    // No port.
    await page.getByTestId('mail-smtp-server').fill('kein-port');
    await page.getByTestId('mail-from').fill('termine@soest.example');
    await page.getByTestId('mail-save').click();
    const smtpError = page.getByTestId('mail-smtp-server-error');
    await smtpError.waitFor();
    assert.match(await smtpError.innerText(), /Rechnername:Port/);
    assert.equal(await smtpError.getAttribute('role'), 'alert');
    assert.equal(await page.getByTestId('mail-smtp-server').getAttribute('aria-invalid'), 'true');
    assert.match(await page.getByTestId('mail-smtp-server').getAttribute('aria-describedby'), /mail-smtp_server-error/);
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'mail-smtp_server', 'the field named is focused');
    assert.match(await status().innerText(), /^E-Mail ist noch nicht eingerichtet/, 'the status line stays');
    assert.equal(await page.getByTestId('mail-saved').innerText(), '');
    assert.equal((await getJSON(server, '/api/settings/mail')).configured, false, 'nothing saved');
    await shoot('onlinetermine-smtp-error.png', 1280);

    // Typing again takes the complaint away.
    await page.getByTestId('mail-smtp-server').fill('mail.soest.example:25');
    await eventually('the error goes', async () => assert.equal(await smtpError.count(), 0));

    // Plain SMTP to another machine.
    await page.getByTestId('mail-starttls').uncheck();
    await page.getByTestId('mail-save').click();
    await page.getByTestId('mail-starttls-error').waitFor();
    assert.match(await page.getByTestId('mail-starttls-error').innerText(), /localhost/);
    assert.equal((await getJSON(server, '/api/settings/mail')).configured, false, 'nothing saved');
  });

  it('shows a mail the SMTP server did not take: failed, the error, the next attempt', async () => {
    const dead = `127.0.0.1:${await unusedPort()}`;
    await page.getByTestId('mail-smtp-server').fill(dead);
    await page.getByTestId('mail-save').click();
    await eventually('saved', async () => assert.equal(await page.getByTestId('mail-saved').innerText(), 'Gespeichert. Dieser Standort versendet jetzt die E-Mails.'));
    assert.equal(await status().innerText(), 'Dieser Standort versendet');
    await eventually('the mail failed', async () => {
      await page.getByTestId('outbox-refresh').click();
      assert.equal(await page.getByTestId('outbox-count-failed').locator('dd').innerText(), '1');
      assert.equal(await outboxRows().first().getAttribute('data-status'), 'failed');
    }, 30_000);
    const row = outboxRows().first();
    assert.match(await row.innerText(), /fehlgeschlagen/);
    assert.match(await row.getByTestId('outbox-when').innerText(), /^nächster Versuch 18\.11\.2026, 08:\d\d\sUhr$/);
    assert.match(await row.locator('td.note').innerText(), new RegExp(dead.replace(/\./g, '\\.')), 'the last error names the server');
    assert.equal(await row.locator('td.num').innerText(), '1');
    await shoot('onlinetermine-failed.png', 1280);
  });

  it('saves mailpit: this site sends, the password is kept but never shown, the mail goes out', async () => {
    await page.getByTestId('mail-smtp-server').fill(mp.smtp);
    await page.getByTestId('mail-username').fill('termine');
    await page.getByTestId('mail-password').fill('geheim-123');
    await page.getByTestId('mail-save').click();
    const saved = page.getByTestId('mail-saved');
    await eventually('saved', async () => assert.equal(await saved.innerText(), 'Gespeichert. Dieser Standort versendet jetzt die E-Mails.'));
    assert.equal(await saved.getAttribute('role'), 'status');
    assert.equal(await status().innerText(), 'Dieser Standort versendet');
    assert.equal(await page.getByTestId('mail-status').getAttribute('data-tone'), 'here');

    const s = await getJSON(server, '/api/settings/mail');
    assert.equal(s.configured, true);
    assert.equal(s.mail_site, SITE);
    assert.equal(s.this_site, SITE);
    assert.equal(s.may_send, true);
    assert.deepEqual(s.awaiting_release, []);
    assert.equal(s.config.smtp_server, mp.smtp);
    assert.equal(s.config.from, 'termine@soest.example');
    assert.equal(s.config.username, 'termine');
    assert.equal(s.config.starttls, false);
    assert.equal(s.password_set, true);
    assert.ok(!JSON.stringify(s).includes('geheim-123'), 'the API never gives the password back');

    // Write-only: the field is empty, saying a password is kept.
    const password = page.getByTestId('mail-password');
    assert.equal(await password.inputValue(), '');
    assert.equal(await password.getAttribute('placeholder'), 'gespeichert – leer lassen, um es zu behalten');
    await page.getByTestId('mail-remove-password').waitFor();
    assert.equal(await page.getByTestId('mail-remove-password').isChecked(), false);
    assert.ok(!(await page.content()).includes('geheim-123'), 'the page holds no password');

    // The mail that failed reaches the SMTP server: when its next attempt
    // is due (the sender backs off a minute after the first failure).
    await eventually('the mail reaches mailpit', async () => {
      const res = await (await fetch(`${mp.api}/api/v1/messages?limit=50`)).json();
      assert.ok(res.messages.some((m) => m.To.some((t) => t.Address === CITIZEN.email)), 'a mail to the citizen');
    }, 120_000);
    await eventually('the outbox says sent', async () => {
      await page.getByTestId('outbox-refresh').click();
      assert.equal(await page.getByTestId('outbox-count-sent').locator('dd').innerText(), '1');
      assert.equal(await outboxRows().first().getAttribute('data-status'), 'sent');
    }, 30_000);
    const row = await outboxRows().first().innerText();
    assert.match(row, /versendet/);
    assert.match(row, new RegExp(`Standort ${SITE}`));
    assert.equal(await page.getByTestId('outbox-count-failed').locator('dd').innerText(), '0');
    assert.equal(await page.getByTestId('outbox-count-queued').locator('dd').innerText(), '0');

    // The filter asks the server by status.
    await page.getByTestId('outbox-filter').selectOption('failed');
    await page.getByTestId('outbox-empty').waitFor();
    assert.equal(await page.getByTestId('outbox-empty').innerText(), 'Keine E-Mails mit diesem Status.');
    await page.getByTestId('outbox-filter').selectOption('sent');
    await eventually('the sent mail', async () => assert.equal(await outboxRows().count(), 1));
    await page.getByTestId('outbox-filter').selectOption('');
    await eventually('all mails', async () => assert.equal(await outboxRows().count(), 1));

    // Saving again without a password keeps it.
    await page.getByTestId('mail-save').click();
    await eventually('saved again', async () => assert.match(await page.getByTestId('mail-saved').innerText(), /^Gespeichert/));
    assert.equal((await getJSON(server, '/api/settings/mail')).password_set, true, 'left empty: the password stays');
  });

  it('sets a building\'s online rules: out of range is refused, 45 minutes and two lines save', async () => {
    const url = `/api/buildings/${BUILDING}/online`;
    const before = await getJSON(server, url);
    assert.equal(await page.getByTestId('rules-building').inputValue(), BUILDING, 'the desk\'s building first');
    const minutes = page.getByTestId('rules-confirm-minutes');
    await eventually('the rules are loaded', async () => assert.equal(await minutes.inputValue(), String(before.confirm_minutes)));
    assert.equal(await minutes.getAttribute('min'), '1');
    assert.equal(await minutes.getAttribute('max'), '1440');

    // Out of range: the server refuses, under the field.
    await minutes.fill('2000');
    await minutes.press('Enter');
    const minutesError = page.getByTestId('rules-confirm-minutes-error');
    await minutesError.waitFor();
    assert.equal(await minutesError.innerText(), 'Die Bestätigungsfrist muss zwischen 1 und 1440 Minuten liegen.');
    assert.equal(await minutes.getAttribute('aria-invalid'), 'true');
    assert.equal(await page.getByTestId('rules-saved').innerText(), '');
    assert.deepEqual(await getJSON(server, url), before, 'nothing changed');
    await shoot('onlinetermine-rules-error.png', 1280);

    // 45 minutes and a notice of two lines, saved from the keyboard.
    await minutes.fill('45');
    await eventually('the error goes', async () => assert.equal(await minutesError.count(), 0));
    await page.getByTestId('rules-privacy').fill(PRIVACY);
    await minutes.focus();
    await page.keyboard.press('Enter');
    await eventually('saved', async () =>
      assert.match(await page.getByTestId('rules-saved').innerText(), /^Gespeichert: Die Regeln gelten ab sofort für /),
    );
    const got = await getJSON(server, url);
    assert.equal(got.confirm_minutes, 45);
    assert.equal(got.privacy_notice, PRIVACY);
    assert.equal(got.max_active_per_email, before.max_active_per_email, 'the others kept');
    assert.equal(got.reminder_day_before, before.reminder_day_before);
    assert.equal(await page.getByTestId('rules-privacy').inputValue(), PRIVACY);
  });

  it('passes axe and looks right at 1280, 800 and 400 px', async () => {
    await page.getByTestId('outbox-table').waitFor();
    await axeCheck(page);
    await shoot('onlinetermine-1280.png', 1280);
    await page.setViewportSize({ width: 800, height: 900 });
    await page.waitForTimeout(300);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 0, `no sideways scrolling of the page at 800 px (${overflow} px too wide)`);
    await axeCheck(page);
    await shoot('onlinetermine-800.png', 800);
    // A phone's width: the screen still fits; only the outbox table scrolls, in its own region.
    await page.setViewportSize({ width: 400, height: 900 });
    await page.waitForTimeout(300);
    const narrow = await page.evaluate(() => {
      const el = document.querySelector('[data-testid="onlinetermine"]');
      return el.scrollWidth - el.clientWidth;
    });
    assert.ok(narrow <= 0, `the screen fits 400 px (${narrow} px too wide)`);
    await shoot('onlinetermine-400.png', 400);
    assert.deepEqual(errors, [], 'no errors in the page');
  });
});
