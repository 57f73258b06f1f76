// Runs started from the Results step ("Retry failed and not started", also after opening an earlier results file)
// go through the Run step's confirmation like a first run: the retry's own count, above the mass-removal threshold
// the tenant's host name and the countdown; nothing is sent until the admin has confirmed.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { connectEpm, launchBrowser, openPanel, planLogins, screenshot, startSandbox } from './harness.mjs';

let sandbox, browser;
before(async () => {
  sandbox = await startSandbox(['--users', '1500', '--epm-users-per-sec', '0']);
  browser = await launchBrowser();
});
after(async () => { await browser?.close(); await sandbox?.stop(); });

/** Vendor API requests the sandbox has answered so far, and users it removed. */
async function sent() {
  return {
    requests: (await sandbox.control('/sandbox/requests')).length,
    removed: (await sandbox.control('/sandbox/audit')).filter((a) => a.action === 'remove').length,
  };
}

/** Fills the confirmation (count and, when asked, the host name) and starts the run. */
async function confirmAndStart(page, count) {
  await page.fill('#confirm-count', String(count));
  if (await page.locator('#confirm-host').count()) {
    const host = /Type (.+) to confirm/.exec(await page.locator('label[for=confirm-host]').innerText())[1];
    await page.fill('#confirm-host', host);
  }
  await page.click('#start-run');
}

test('"Retry failed" of more users than the threshold waits for the typed count, the host name and the countdown', async () => {
  await sandbox.control('/sandbox/reset', {});
  const demo = await sandbox.control('/sandbox/demo');
  const tenant = await sandbox.control('/sandbox/tenant');
  const logins = tenant.epm.map((u) => u.userlogin)
    .filter((l) => l.toLowerCase() !== tenant.epmAdmin.toLowerCase()).slice(0, 1200);
  assert.equal(logins.length, 1200, 'the tenant has enough users');
  const { page, problems } = await openPanel(browser, sandbox.url + '/');
  await connectEpm(page, demo, 300);
  await planLogins(page, logins);

  // Every job fails half-way: List Users tells the half removed from the half "failed", offered for a retry.
  await sandbox.control('/sandbox/faults', { failNextJobs: 4 });
  // Counts of a thousand and more are shown with thousands separators; the typed count may leave them out.
  assert.match(await page.locator('#confirm-text').innerText(), /remove 1,200 users/);
  assert.match(await page.locator('label[for=confirm-count]').innerText(), /^Type 1,200 to confirm$/);
  await confirmAndStart(page, logins.length);
  await page.waitForSelector('#see-results', { timeout: 60_000 });
  await page.click('#see-results');
  assert.match(await page.locator('#results-summary').innerText(), /^1,201 rows: /);
  await page.waitForSelector('#retry-failed:not([disabled])');
  const retried = Number(/\(([\d,]+)\)/.exec(await page.locator('#retry-failed').innerText())[1].replaceAll(',', ''));
  const shown = retried.toLocaleString('en-US');
  assert.ok(retried > 500, `more users to retry than the threshold: ${retried}`);
  const download = page.waitForEvent('download');
  await page.click('#download');
  const file = readFileSync(await (await download).path());

  // One click shows the confirmation of the retry, and sends nothing.
  const before = await sent();
  await page.click('#retry-failed');
  await page.waitForSelector('#confirm-count');
  assert.match(await page.locator('#follow-up-what').innerText(), new RegExp(`retry of ${shown} users`));
  assert.match(await page.locator('#confirm-text').innerText(), new RegExp(`remove ${shown} users`));
  assert.match(await page.locator('label[for=confirm-count]').innerText(), new RegExp(`Type ${shown} to confirm`));
  assert.equal(await page.locator('#confirm-host').count(), 1, 'above the threshold the host name is asked for');
  assert.equal(await page.locator('#rehearse').count(), 0, 'no rehearsal of a retry');
  await screenshot(page, 'followups-retry-confirm');
  await page.waitForTimeout(1_500);
  assert.deepEqual(await sent(), before, 'nothing was sent before the confirmation');
  await page.fill('#confirm-count', String(logins.length + 1));
  assert.ok(await page.locator('#start-run').isDisabled(), 'the retry is confirmed with its own count');

  // Confirmed, then cancelled during the countdown: still nothing sent.
  await confirmAndStart(page, retried);
  await page.waitForSelector('#countdown');
  await page.click('#cancel-start');
  await page.waitForSelector('#countdown', { state: 'detached' });
  await page.waitForTimeout(1_000);
  assert.deepEqual(await sent(), before, 'cancelled during the countdown: nothing was sent');

  // Leaving for the results forgets the retry; the same holds for an earlier run's results file opened there.
  await page.click('#back-to-results');
  await page.waitForSelector('#results-summary');
  await page.setInputFiles('#open-results', { name: 'failed.csv', mimeType: 'text/csv', buffer: file });
  await page.waitForSelector('text=Showing the results in failed.csv');
  await page.click('#retry-failed');
  await page.waitForSelector('#confirm-count');
  assert.match(await page.locator('#follow-up-what').innerText(), new RegExp(`retry of ${shown} users`));
  await page.waitForTimeout(1_500);
  assert.deepEqual(await sent(), before, 'nothing was sent for the imported results either');

  // Confirmed and counted down: the retry runs and every user ends removed, once.
  await confirmAndStart(page, retried);
  await page.waitForSelector('#countdown');
  assert.deepEqual(await sent(), before, 'nothing is sent during the countdown');
  await page.waitForSelector('#see-results', { timeout: 60_000 });
  const removed = (await sandbox.control('/sandbox/audit')).filter((a) => a.action === 'remove').map((a) => a.user.toLowerCase());
  assert.deepEqual([...removed].sort(), logins.map((l) => l.toLowerCase()).sort(), 'every user removed, nobody twice');
  assert.deepEqual(problems, []);
});
