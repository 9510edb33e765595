// End-to-end test of enrolled sites (Verwaltung → Standorte) against real
// headless servers and Debian's Chromium:
//
// - an admin invites a site on the screen; the token is shown once with
//   the command; the new site starts with --enroll TOKEN and appears in
//   the table, with the founding site marked;
// - the same token a second time: the site does not start, and says why;
// - the Kontingente screen says the home sites are the cluster's default;
// - the admin revokes the site in the dialog (its changes up to Nr. N
//   stay); what it writes afterwards reaches nobody;
// - the gossip key is rotated from the screen.
//
// Build first (see sync.test.mjs); helpers.mjs for PFORTE_BIN, CHROMIUM, E2E_OUT.

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
  sleep,
  startServer,
  tempDataDir,
  unusedPort,
  writeClusterKey,
} from './helpers.mjs';

const squash = (s) => s.replace(/\s+/g, ' ').trim();

describe('enrolled sites', { timeout: 300_000 }, () => {
  const dirs = [];
  const servers = [];
  let browser;
  let page;
  let root;
  let branch;
  let gossip;
  let key;
  const pageErrors = [];

  before(async () => {
    checkPrerequisites();
    for (let i = 0; i < 3; i++) dirs.push(tempDataDir());
    key = writeClusterKey(join(dirs[0], 'cluster.key'));
    gossip = `127.0.0.1:${await unusedPort()}`;
    root = await startServer(dirs[0], { site: 'e2e-gruendung', building: 'rathaus-1', extraArgs: ['--gossip', gossip, '--cluster-key', key] });
    servers.push(root);
    browser = await launchBrowser();
    await signIn(browser.context, root);
    page = browser.context.pages()[0] ?? (await browser.context.newPage());
    page.on('pageerror', (err) => pageErrors.push(String(err)));
  });

  after(async () => {
    await browser?.close();
    await Promise.all(servers.map((s) => killServer(s)));
    for (const d of dirs) removeDir(d);
  });

  it('an admin invites a site; it enrolls with the token once, and shows in the table', async () => {
    await page.goto(`${root.url}/#/standorte`);
    await page.getByTestId('site-row-e2e-gruendung').waitFor();
    assert.match(await page.getByTestId('site-row-e2e-gruendung').innerText(), /Gründungsstandort/);

    const form = page.getByTestId('invite-form');
    await form.getByTestId('invite-site').fill('e2e-gruendung');
    await form.getByTestId('invite-building').selectOption('propst-nuebel-strasse');
    await form.getByTestId('invite-submit').click();
    await page.getByTestId('invite-error-site').waitFor();
    await form.getByTestId('invite-site').fill('e2e-zweigstelle');
    await form.getByTestId('invite-submit').click();
    const token = (await page.getByTestId('invite-token').innerText()).trim();
    assert.match(token, /^pforte-enroll-1\./);
    assert.match(await page.getByTestId('invite-command').innerText(), /--enroll pforte-enroll-1\./);
    await page.screenshot({ path: join(OUT, 'sites-invite.png'), fullPage: true });

    const args = ['--gossip', '127.0.0.1:0', '--join', gossip, '--enroll', token];
    branch = await startServer(dirs[1], { site: 'e2e-zweigstelle', building: 'propst-nuebel-strasse', extraArgs: args });
    servers.push(branch);
    await eventually('the branch in the table', async () => {
      await page.getByTestId('site-row-e2e-zweigstelle').waitFor({ timeout: 2_000 });
    });
    await eventually('the branch holds its own enrollment', async () => {
      const st = await getJSON(branch, '/api/sites');
      assert.deepEqual(st.sites.map((s) => s.site).sort(), ['e2e-gruendung', 'e2e-zweigstelle']);
    });
    // Once only: another site with the same token does not start.
    await assert.rejects(
      startServer(dirs[2], { site: 'e2e-zweigstelle', building: 'propst-nuebel-strasse', extraArgs: ['--gossip', '127.0.0.1:0', '--join', gossip, '--enroll', token] }),
      /used already|enrolled already/,
    );
    await page.reload();
    await eventually('the invitation marked used', async () =>
      assert.equal(await page.locator('[data-testid="invitation-row"][data-site="e2e-zweigstelle"]').getAttribute('data-state'), 'used'),
    );
  });

  it('Kontingente: each building has a home site by default, and the screen says so', async () => {
    await page.goto(`${root.url}/#/kontingente`);
    await page.getByTestId('home-default').first().waitFor();
    const notes = await page.getByTestId('home-default').allInnerTexts();
    assert.ok(notes.length >= 1 && notes.every((n) => /Standard/.test(n)), JSON.stringify(notes));
    const al = await getJSON(root, '/api/allotments');
    const home = Object.fromEntries(al.buildings.map((b) => [b.id, [b.home_site, b.home_site_default]]));
    assert.deepEqual(home['propst-nuebel-strasse'], ['e2e-zweigstelle', true]);
    assert.deepEqual(home['rathaus-2'], ['e2e-gruendung', true], 'a building without a site of its own: the founding site');
    await page.screenshot({ path: join(OUT, 'sites-kontingente.png'), fullPage: true });
  });

  it('the admin revokes the branch: its later writes reach nobody', async () => {
    const before = await postJSON(branch, '/api/visits', {
      building: 'propst-nuebel-strasse', name: 'Erika Vorher', phone: '0171 2345678', email: '', address: '', host: 'staff-weiss', appointment_id: '', reason: 'vorher',
    });
    assert.equal(before.status, 201, JSON.stringify(before.body));
    let cut;
    await eventually('the visit at the root', async () => {
      const st = await getJSON(root, '/api/sync/status');
      cut = st.vector['e2e-zweigstelle'];
      assert.ok(cut > 0);
      const vs = await getJSON(root, '/api/visits?building=propst-nuebel-strasse');
      assert.ok(vs.some((v) => v.id === before.body.id));
    });

    await page.goto(`${root.url}/#/standorte`);
    await page.getByTestId('revoke-e2e-zweigstelle').click();
    const dialog = page.getByTestId('revoke-dialog');
    assert.equal(await dialog.getByTestId('revoke-last-seq').inputValue(), String(cut));
    await dialog.getByTestId('revoke-confirm').click();
    await dialog.getByTestId('revoke-error-reason').waitFor();
    await dialog.getByTestId('revoke-reason').fill('Laptop gestohlen');
    await page.screenshot({ path: join(OUT, 'sites-revoke-dialog.png') });
    await dialog.getByTestId('revoke-confirm').click();
    await eventually('the row says widerrufen', async () =>
      assert.match(squash(await page.getByTestId('site-row-e2e-zweigstelle').innerText()), /widerrufen/),
    );
    assert.equal(await page.getByTestId('revoke-e2e-zweigstelle').count(), 0);
    await page.screenshot({ path: join(OUT, 'sites-revoked.png'), fullPage: true });

    const later = await postJSON(branch, '/api/visits', {
      building: 'propst-nuebel-strasse', name: 'Max Nachher', phone: '0171 2345678', email: '', address: '', host: 'staff-weiss', appointment_id: '', reason: 'nachher',
    });
    assert.equal(later.status, 201);
    await sleep(5_000); // more than a sync round
    const vs = await getJSON(root, '/api/visits?building=propst-nuebel-strasse');
    assert.ok(vs.some((v) => v.id === before.body.id), 'the visit before the cut stays');
    assert.ok(!vs.some((v) => v.id === later.body.id), 'the visit after the revocation reaches the root');
    assert.equal((await getJSON(root, '/api/sync/status')).vector['e2e-zweigstelle'], cut);
    assert.match(root.stderr(), /refused a peer that is not enrolled|not an enrolled site/);
  });

  it('the gossip key is rotated from the screen', async () => {
    await page.goto(`${root.url}/#/standorte`);
    const before = await page.getByTestId('key-primary').innerText();
    await page.getByTestId('rotate-key').click();
    await page.getByTestId('rotate-key-confirm').click();
    await page.getByTestId('rotate-result').waitFor();
    await eventually('a new primary key', async () => assert.notEqual(await page.getByTestId('key-primary').innerText(), before));
    assert.deepEqual(pageErrors, []);
  });
});
