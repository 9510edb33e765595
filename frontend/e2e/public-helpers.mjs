// Shared by the tests of the citizens' booking pages (/buchen/) and of the
// mail settings: an accessibility check, a booking made with the keyboard
// alone, and a real SMTP server.

import AxeBuilder from '@axe-core/playwright';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { eventually, unusedPort } from './helpers.mjs';

const MAILPIT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'tools', 'mailpit');

/** A real SMTP server (mailpit, from bin/tools) with its REST API, on free ports, its store in dir. */
export async function startMailpit(dir) {
  assert.ok(existsSync(MAILPIT), `mailpit missing at ${MAILPIT}: run scripts/install-deps.sh test`);
  const smtp = `127.0.0.1:${await unusedPort()}`;
  const http = `127.0.0.1:${await unusedPort()}`;
  const proc = spawn(MAILPIT, ['--smtp', smtp, '--listen', http, '--database', join(dir, 'mailpit.db'),
    '--smtp-auth-accept-any', '--smtp-auth-allow-insecure', '--disable-version-check', '--quiet'], { stdio: 'ignore' });
  const api = `http://${http}`;
  await eventually('mailpit answers', async () => assert.ok((await fetch(`${api}/api/v1/info`)).ok), 20_000);
  return { proc, smtp, api };
}

export const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

/**
 * Runs axe (WCAG 2.0/2.1, A and AA) on the page as it is now and throws,
 * listing every violation with its elements, when there is any.
 */
export async function axeCheck(page, { exclude = [] } = {}) {
  let builder = new AxeBuilder({ page }).withTags(AXE_TAGS);
  for (const sel of exclude) builder = builder.exclude(sel);
  const { violations } = await builder.analyze();
  if (violations.length) {
    const lines = violations.map(
      (v) => `- ${v.id} (${v.impact}): ${v.help}\n    ${v.nodes.map((n) => `${n.target.join(' ')}: ${n.failureSummary?.split('\n').slice(1).join(' ').trim()}`).join('\n    ')}`,
    );
    throw new Error(`axe found ${violations.length} violation(s) on ${page.url()}:\n${lines.join('\n')}`);
  }
}

const focusInfo = () => {
  const el = document.activeElement;
  if (!el) return { tag: '', id: '', text: '', type: '', label: '' };
  const label = el.id ? (document.querySelector(`label[for="${el.id}"]`)?.textContent ?? '') : '';
  return {
    tag: el.tagName.toLowerCase(),
    id: el.id,
    type: el.getAttribute('type') ?? '',
    text: `${el.textContent ?? ''} ${el.getAttribute('aria-label') ?? ''} ${el.closest('label')?.textContent ?? ''} ${label}`.replace(/\s+/g, ' ').trim(),
    altcha: !!el.closest('altcha-widget'),
    day: el.getAttribute('data-day') ?? '',
    disabled: el.getAttribute('aria-disabled') === 'true',
  };
};

/**
 * Presses Tab (or Shift+Tab) until the focused element satisfies `want`
 * (given the focusInfo record above); throws after `max` presses.
 */
export async function tabTo(page, what, want, { max = 80, back = false } = {}) {
  for (let i = 0; i <= max; i++) {
    const info = await page.evaluate(focusInfo);
    if (want(info)) return info;
    await page.keyboard.press(back ? 'Shift+Tab' : 'Tab');
  }
  throw new Error(`keyboard: could not reach ${what} with Tab`);
}

async function waitForText(page, text, timeout = 20_000) {
  await page.getByText(text, { exact: false }).first().waitFor({ state: 'visible', timeout });
}

/** "1985-03-24" or "24.03.1985" → "24.03.1985", as a citizen types it. */
function germanDate(d) {
  const m = String(d).match(/^(\d{4})-(\d{2})-(\d{2})$/);
  return m ? `${m[3]}.${m[2]}.${m[1]}` : String(d);
}

/**
 * Books an appointment on the public pages with the keyboard only (Tab,
 * Shift+Tab, Enter, Space, arrows, typing; no mouse) and returns once the
 * "Fast geschafft" message shows. `building` is a building's name (ignored
 * when the town has only one), `services` the names of 1 to 4 Anliegen.
 * With `fromCalendar: true` the time is chosen in the month calendar (the
 * first free day after the earliest one) instead of taking the earliest.
 */
export async function bookOnPublicPage(page, baseURL, { building, services, name, birthDate, email, phone = '', fromCalendar = false }) {
  const root = String(baseURL).replace(/\/+$/, '');
  const url = `${root}/buchen/#/`;
  const again = page.url() === url;
  await page.goto(url);
  // The same URL again is only a fragment navigation: start the flow afresh.
  if (again) await page.reload();
  await page.locator('h1').first().waitFor({ timeout: 20_000 });
  await page.waitForFunction(() => !document.querySelector('main [role="status"]'), null, { timeout: 20_000 });

  if (await page.locator('#building-heading').count()) {
    await tabTo(page, `building ${building}`, (f) => f.tag === 'button' && f.text.includes(building));
    await page.keyboard.press('Enter');
  }

  await page.locator('#services-heading').waitFor({ timeout: 20_000 });
  for (const s of services) {
    await tabTo(page, `Anliegen ${s}`, (f) => f.type === 'checkbox' && f.text.includes(s));
    await page.keyboard.press('Space');
  }
  await tabTo(page, 'Weiter', (f) => f.tag === 'button' && f.text === 'Weiter');
  await page.keyboard.press('Enter');

  await page.locator('#slot-heading').waitFor({ timeout: 20_000 });
  await waitForText(page, 'Nächster freier Termin');
  if (fromCalendar) {
    await tabTo(page, 'the calendar', (f) => !!f.day);
    // The calendar opens on the earliest free day: move right to the next
    // day with free times.
    let found = false;
    for (let i = 0; i < 62 && !found; i++) {
      await page.keyboard.press('ArrowRight');
      found = !(await page.evaluate(focusInfo)).disabled;
    }
    if (!found) throw new Error('keyboard: no second day with free times in the calendar');
    await page.keyboard.press('Enter');
    await page.locator('#times-heading').waitFor({ timeout: 10_000 });
    await tabTo(page, 'a free time', (f) => f.tag === 'button' && /\d\d:\d\d Uhr/.test(f.text) && f.text.includes('–'));
  } else {
    await tabTo(page, 'Diesen Termin nehmen', (f) => f.tag === 'button' && f.text.includes('Diesen Termin nehmen'));
  }
  await page.keyboard.press('Enter');

  await page.locator('#details-heading').waitFor({ timeout: 20_000 });
  await tabTo(page, 'name field', (f) => f.id === 'f-name');
  await page.keyboard.type(name);
  await tabTo(page, 'birth date field', (f) => f.id === 'f-birth');
  await page.keyboard.type(germanDate(birthDate));
  await tabTo(page, 'e-mail field', (f) => f.id === 'f-email');
  await page.keyboard.type(email);
  if (phone) {
    await tabTo(page, 'phone field', (f) => f.id === 'f-phone');
    await page.keyboard.type(phone);
  }
  await tabTo(page, 'privacy checkbox', (f) => f.id === 'f-privacy');
  await page.keyboard.press('Space');
  await tabTo(page, 'ALTCHA checkbox', (f) => f.altcha && f.type === 'checkbox');
  await page.keyboard.press('Space');
  await page.waitForFunction(() => document.querySelector('altcha-widget')?.getState?.() === 'verified', null, { timeout: 60_000 });
  await tabTo(page, 'Termin anfragen', (f) => f.tag === 'button' && f.text.includes('Termin anfragen'));
  await page.keyboard.press('Enter');
  await waitForText(page, 'Fast geschafft:', 30_000);
}
