// Shared by the end-to-end tests: the real `pforte serve` binary and
// Debian's Chromium, started and stopped the same way for every screen.
//
// PFORTE_BIN overrides the binary (default ../bin/pforte), CHROMIUM the
// browser (default /usr/bin/chromium), E2E_OUT the screenshot folder
// (default e2e/out).

import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
export const BIN = process.env.PFORTE_BIN ? resolve(process.env.PFORTE_BIN) : resolve(here, '..', '..', 'bin', 'pforte');
export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
export const OUT = process.env.E2E_OUT ? resolve(process.env.E2E_OUT) : join(here, 'out');

// Generous for a 2-core machine running Go, SQLite and Chromium at once.
export const START_TIMEOUT = 60_000;
export const STOP_TIMEOUT = 30_000;
export const UI_TIMEOUT = 20_000;

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Retries fn (which throws on "not yet") until it passes or the time is up. */
export async function eventually(what, fn, timeout = UI_TIMEOUT) {
  const end = Date.now() + timeout;
  for (;;) {
    try {
      const v = await fn();
      // A check written as a predicate: false is "not yet", never "done".
      if (v === false) throw new Error('still false');
      return v;
    } catch (err) {
      if (Date.now() > end) {
        err.message = `${what}: ${err.message}`;
        throw err;
      }
    }
    await sleep(150);
  }
}

export function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms / 1000} s`)), ms);
    }),
  ]);
}

/** Fails early, with the command to fix it, when the binary or the browser is missing. */
export function checkPrerequisites() {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium not found at ${CHROMIUM}: install it with "apt-get install -y chromium" (or set CHROMIUM).`);
  }
  if (!existsSync(BIN)) {
    throw new Error(
      `pforte binary not found at ${BIN}: build it from the repository root with ` +
        '"(cd frontend && npm run build) && CGO_ENABLED=0 go build -o bin/pforte ." (or set PFORTE_BIN).',
    );
  }
  mkdirSync(OUT, { recursive: true });
}

/**
 * Starts `pforte serve --demo` on dataDir and waits for its "listening on"
 * line. extraArgs go at the end (e.g. ['--fake-time', '2026-11-18T08:05:00+01:00']);
 * env is added to this process's environment (e.g. { PFORTE_CUPS: '127.0.0.1:9' }).
 */
export async function startServer(dataDir, { site, building, extraArgs = [], env = {}, demo = true }) {
  // Without --demo there are no accounts: the server prints a setup code
  // (server.setupCode) and nobody is signed in here.
  const args = ['serve', ...(demo ? ['--demo'] : []), '--data', dataDir, '--listen', '127.0.0.1:0', '--site', site, '--building', building, ...extraArgs];
  const proc = spawn(BIN, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let stderr = '';
  proc.stderr.on('data', (d) => {
    stderr = (stderr + d).slice(-20_000);
  });
  const exited = new Promise((res) => proc.on('exit', (code, signal) => res({ code, signal })));
  let setupCode = '';
  let publicUrl = '';
  const url = await new Promise((res, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`pforte printed no "listening on" line within ${START_TIMEOUT / 1000} s; stderr:\n${stderr}`)),
      START_TIMEOUT,
    );
    createInterface({ input: proc.stdout }).on('line', (line) => {
      setupCode = line.match(/setup code: (\S+)/)?.[1] ?? setupCode;
      publicUrl = line.match(/public pages on (https?:\/\/[^/\s]+)\/buchen\//)?.[1] ?? publicUrl;
      const m = line.match(/listening on (http:\/\/\S+)/);
      if (m) {
        clearTimeout(timer);
        res(m[1]);
      }
    });
    proc.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`pforte exited before listening (code ${code}, signal ${signal}); stderr:\n${stderr}`));
    });
  });
  // publicUrl: the citizens' listener (--public-listen), if it has one.
  const server = { proc, url, exited, stderr: () => stderr, running: true, cookie: '', setupCode, publicUrl };
  if (demo) server.cookie = await sessionCookie(server, 'demo', 'demo');
  return server;
}

/**
 * Signs in at the server from this process and returns the session cookie
 * ("name=value") that getJSON, postJSON, putJSON and apiFetch send: every
 * /api route but health, session, setup and pairing wants a signed-in person.
 */
export async function sessionCookie(server, user, password) {
  const res = await fetch(server.url + '/api/session', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ user, password }),
  });
  assert.equal(res.status, 200, `sign-in of ${user} at ${server.url}: ${await res.text()}`);
  const cookie = res.headers.getSetCookie().find((c) => c.startsWith('pforte_session'));
  assert.ok(cookie, 'the sign-in sets the session cookie');
  return cookie.split(';')[0];
}

/**
 * Signs a browser context in at the server (as demo, every role, unless
 * told otherwise): its pages share the cookie, as the tabs of one desk do.
 */
export async function signIn(context, server, user = 'demo', password = 'demo') {
  const res = await context.request.post(server.url + '/api/session', { data: { user, password } });
  assert.equal(res.status(), 200, `browser sign-in of ${user} at ${server.url}: ${await res.text()}`);
}

/** fetch() of an API path with the server's session cookie (for the PDFs and raw bodies). */
export function apiFetch(server, path, init = {}) {
  return fetch(server.url + path, { ...init, headers: { Cookie: server.cookie, ...(init.headers ?? {}) } });
}

/**
 * An admin (demo) invites a site at the server, as Verwaltung → Standorte
 * does; returns the token for the new site's --enroll.
 */
export async function invite(server, site, building) {
  const res = await postJSON(server, '/api/sites/invitations', { site, building });
  assert.equal(res.status, 201, `invitation of ${site} at ${server.url}: ${JSON.stringify(res.body)}`);
  return res.body.token;
}

/** SIGTERM, then the server must exit 0 (API.md: finish, close the database, exit 0). */
export async function stopServer(server) {
  server.proc.kill('SIGTERM');
  const { code, signal } = await withTimeout(server.exited, STOP_TIMEOUT, 'pforte after SIGTERM');
  server.running = false;
  assert.equal(code, 0, `pforte exit code after SIGTERM (signal ${signal}); stderr:\n${server.stderr()}`);
}

/** Stops a server that may still run, without failing: for after(). */
export async function killServer(server) {
  if (!server?.running) return;
  server.proc.kill('SIGTERM');
  await withTimeout(server.exited, STOP_TIMEOUT, 'pforte after SIGTERM').catch(() => server.proc.kill('SIGKILL'));
  server.running = false;
}

export async function getJSON(server, path) {
  const res = await apiFetch(server, path);
  assert.equal(res.status, 200, `GET ${path}`);
  return res.json();
}

/** POSTs JSON; returns { status, body }. */
export function postJSON(server, path, body) {
  return sendJSON(server, 'POST', path, body);
}

/** PUTs JSON; returns { status, body }. */
export function putJSON(server, path, body) {
  return sendJSON(server, 'PUT', path, body);
}

async function sendJSON(server, method, path, body) {
  const res = await apiFetch(server, path, {
    method,
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  let parsed;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = text;
  }
  return { status: res.status, body: parsed };
}

/**
 * A TCP port on 127.0.0.1 that nothing listens on (taken from the system,
 * then let go): a print server there refuses at once instead of timing out.
 */
export function unusedPort() {
  return new Promise((res, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => res(port));
    });
  });
}

/**
 * The keyboard as a person at the desk uses it, counted: type() counts a
 * key per character, press() one per key or chord. page() gives the page
 * (it is opened after this is made).
 */
export function countedKeyboard(page) {
  let count = 0;
  return {
    get count() {
      return count;
    },
    reset() {
      count = 0;
    },
    async type(text) {
      await page().keyboard.type(text, { delay: 15 });
      count += [...text].length;
    },
    async press(key) {
      await page().keyboard.press(key);
      count += 1;
    },
  };
}

/** Today in Berlin as YYYY-MM-DD, the day the server files the visits under. */
export function berlinDay(t = new Date()) {
  const p = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', { timeZone: 'Europe/Berlin', year: 'numeric', month: '2-digit', day: '2-digit' })
      .formatToParts(t)
      .map((x) => [x.type, x.value]),
  );
  return `${p.year}-${p.month}-${p.day}`;
}

/**
 * Chromium in a fresh profile (launch() refuses --user-data-dir), German,
 * Berlin time. Returns { context, close } ; close() also removes the profile.
 */
export async function launchBrowser({ width = 1280, height = 800 } = {}) {
  const profileDir = mkdtempSync(join(tmpdir(), 'pforte-e2e-chromium-'));
  const context = await chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width, height },
    locale: 'de-DE',
    timezoneId: 'Europe/Berlin',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--lang=de-DE',
    ],
  });
  context.setDefaultTimeout(UI_TIMEOUT);
  return {
    context,
    async close() {
      await context.close().catch(() => {});
      rmSync(profileDir, { recursive: true, force: true });
    },
  };
}

/**
 * Writes a new cluster key with `pforte keygen FILE` and returns the file's
 * path: for a server started with extraArgs ['--gossip', '127.0.0.1:0',
 * '--cluster-key', file].
 */
export function writeClusterKey(file) {
  execFileSync(BIN, ['keygen', file], { stdio: ['ignore', 'ignore', 'pipe'] });
  return file;
}

/** A fresh temporary data folder for one server; remove it with rmSync. */
export function tempDataDir() {
  return mkdtempSync(join(tmpdir(), 'pforte-e2e-data-'));
}

export function removeDir(dir) {
  if (dir) rmSync(dir, { recursive: true, force: true });
}
