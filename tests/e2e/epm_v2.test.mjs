// EPM beyond v1: List Users marks the logins the tenant lacks, the admin drops them, and a v2
// (synchronous) removal completes in agreement with the audit log.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { accessibilityProblems, dropFile, launchBrowser, openPanel, parseCsv, screenshot, startSandbox } from './harness.mjs';

let sandbox, browser;
before(async () => { sandbox = await startSandbox(['--users', '200']); browser = await launchBrowser(); });
after(async () => { await browser?.close(); await sandbox?.stop(); });

test('unknown logins are found by List Users and dropped; a v2 removal agrees with the audit log', async () => {
  const demo = await sandbox.control('/sandbox/demo');
  const tenant = await sandbox.control('/sandbox/tenant');
  const known = tenant.epm.map((u) => u.userlogin).filter((l) => l.toLowerCase() !== tenant.epmAdmin.toLowerCase()).slice(0, 12);
  const unknown = ['not.here@example.com', 'gone.long.ago@example.com'];
  const lines = ['Login', ...known.slice(0, 6), ...unknown, ...known.slice(6).map((l) => l.toUpperCase())];
  const { page, problems } = await openPanel(browser, sandbox.url + '/');

  await page.check('#target-epm');
  await page.fill('#epm-base', demo.epm.baseUrl);
  await page.fill('#epm-user', demo.epm.user);
  await page.fill('#epm-password', demo.epm.password);
  await page.check('#epm-v2');
  await page.fill('#epm-batch', '5');
  await page.locator('#epm-batch').dispatchEvent('change');
  await page.click('.step-nav .primary');
  await dropFile(page, 'leavers.csv', lines.join('\r\n'));
  await page.waitForSelector('#intake-summary');
  await page.click('.step-nav .primary');

  await page.click('#check-presence');
  await page.waitForSelector('#presence-summary');
  assert.equal(await page.locator('#presence-summary').innerText(), `${known.length} of ${lines.length - 1} logins exist; 2 not found.`);
  await page.click('#drop-missing');
  // The lists the admin checks agree with the count: the dropped logins move to the rows not processed.
  await page.waitForFunction((n) => document.body.innerText.includes(`Will be removed (${n})`), known.length);
  assert.equal(await page.locator('#preview-counts [data-count=targets] strong').innerText(), String(known.length));
  assert.equal(await page.locator('#preview-counts [data-count=dropped] strong').innerText(), '2');
  const notProcessed = await page.locator('[aria-label="Rows that will not be processed"]').innerText();
  for (const login of unknown) assert.match(notProcessed, new RegExp(`${login.replace(/\./g, '\\.')}\\s+not in the tenant: List Users has no such login`));
  await screenshot(page, 'epm-presence');
  assert.deepEqual(await accessibilityProblems(page), []);
  await page.click('.step-nav .primary');
  assert.match(await page.locator('#confirm-text').innerText(), new RegExp(`remove ${known.length} users`));
  await page.fill('#confirm-count', String(known.length));
  await page.click('#start-run');
  await page.waitForSelector('#see-results', { timeout: 60_000 });
  assert.equal(await page.locator('ol.batches li').count(), 3);
  await page.click('#see-results');
  const download = page.waitForEvent('download');
  await page.click('#download');
  const csv = parseCsv(readFileSync(await (await download).path(), 'utf8').replace(/^\uFEFF/, ''));

  const audit = (await sandbox.control('/sandbox/audit')).filter((a) => a.action === 'remove');
  assert.ok(audit.every((a) => a.via === 'remove-users-v2'), 'removed through v2');
  assert.deepEqual(audit.map((a) => a.user.toLowerCase()).sort(), known.map((l) => l.toLowerCase()).sort());
  assert.deepEqual(csv.filter((r) => r.outcome === 'removed').map((r) => r.user.toLowerCase()).sort(),
    known.map((l) => l.toLowerCase()).sort());
  const dropped = csv.filter((r) => unknown.includes(r.user));
  assert.equal(dropped.length, 2);
  assert.ok(dropped.every((r) => /dropped from the plan/.test(r.message)), JSON.stringify(dropped));
  const requests = await sandbox.control('/sandbox/requests');
  assert.ok(!requests.some((r) => r.path.includes('applicationsnapshots')), 'v2 uploads nothing');
  assert.deepEqual(problems, []);
});
