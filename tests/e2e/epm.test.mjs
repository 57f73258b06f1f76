// EPM end to end: Basic sign-in, a dropped CSV removed in several batches (some users unknown, the
// admin's own login excluded), then a job that fails as a whole; results checked against the audit log.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { connectEpm, dropFile, launchBrowser, openPanel, parseCsv, planLogins, screenshot, startSandbox } from './harness.mjs';

let sandbox, browser;
before(async () => {
  sandbox = await startSandbox(['--users', '300', '--epm-users-per-sec', '200']);
  browser = await launchBrowser();
});
after(async () => { await browser?.close(); await sandbox?.stop(); });

async function connect(page, demo) {
  await connectEpm(page, demo, 10);
  await page.click('#test-connection');
  await page.waitForSelector('#connection-status .success');
}

async function removeFile(page, name, text, users) {
  await page.locator('nav.stepper a', { hasText: 'CSV' }).click();
  await dropFile(page, name, text);
  await page.waitForSelector('#intake-summary');
  await page.click('.step-nav .primary');
  await page.click('.step-nav .primary');
  await page.fill('#confirm-count', String(users));
  await page.click('#start-run');
  await page.waitForSelector('#see-results', { timeout: 60_000 });
}

async function downloadResults(page) {
  await page.click('#see-results');
  const download = page.waitForEvent('download');
  await page.click('#download');
  return parseCsv(readFileSync(await (await download).path(), 'utf8').replace(/^\uFEFF/, ''));
}

test('EPM removal in batches, then a whole-job failure, agree with the audit log', async () => {
  const demo = await sandbox.control('/sandbox/demo');
  const tenant = await sandbox.control('/sandbox/tenant');
  const logins = tenant.epm.map((u) => u.userlogin).filter((l) => l.toLowerCase() !== tenant.epmAdmin.toLowerCase());
  const known = logins.slice(0, 22);
  const unknown = ['nobody.here@example.com', 'ghost@example.com', 'left.long.ago@example.com'];
  const lines = ['User Login', ...known, ...unknown, tenant.epmAdmin, known[3].toUpperCase()];
  const { page, problems } = await openPanel(browser, sandbox.url + '/');
  await connect(page, demo);
  await page.click('.step-nav .primary');

  await removeFile(page, 'leavers.csv', lines.join('\n') + '\n', known.length + unknown.length);
  const batches = await page.locator('ol.batches li').allInnerTexts();
  assert.equal(batches.length, 3, batches.join('\n'));
  assert.ok(batches.every((b) => /done: Processed - \d+, Succeeded - \d+, Failed - \d+\./.test(b)), batches.join('\n'));
  await screenshot(page, 'epm-run');
  // The breakdown lists the outcomes an EPM removal can have, none of RSA's.
  const bars = await page.locator('.bars .bar-row').evaluateAll((rows) => rows.map((r) => r.dataset.outcome));
  assert.deepEqual(bars, ['removed', 'not-found', 'not-allowed', 'failed', 'not-started']);
  const words = await page.locator('.bars').innerText();
  assert.ok(!/SCIM|Azure|disabled|pending deletion/.test(words), words);
  assert.match(await page.locator('.bar-row[data-outcome=not-allowed]').innerText(), /^not allowed \(your own account\)/);
  const csv = await downloadResults(page);
  await screenshot(page, 'epm-results');

  const audit = (await sandbox.control('/sandbox/audit')).filter((a) => a.action === 'remove');
  assert.deepEqual(audit.map((a) => a.user.toLowerCase()).sort(), known.map((l) => l.toLowerCase()).sort());
  assert.deepEqual(csv.filter((r) => r.outcome === 'removed').map((r) => r.user.toLowerCase()).sort(),
    known.map((l) => l.toLowerCase()).sort());
  assert.deepEqual(csv.filter((r) => r.outcome === 'not found').map((r) => r.user).sort(), [...unknown].sort());
  assert.equal(csv.length, lines.length, 'one result row per input row');
  const own = csv.find((r) => r.user.toLowerCase() === tenant.epmAdmin.toLowerCase());
  assert.match(own.message, /own account/);
  assert.ok(!(await sandbox.control('/sandbox/requests')).some((r) => r.method === 'DELETE' && r.path.includes(tenant.epmAdmin)));

  await sandbox.control('/sandbox/faults', { failNextJobs: 1 });
  const second = logins.slice(30, 36);
  await removeFile(page, 'second.csv', ['User Login', ...second].join('\n'), second.length);
  const failed = await page.locator('ol.batches li').allInnerTexts();
  assert.equal(failed.length, 1);
  assert.match(failed[0], /failed: .*after processing 3 of 6/);
  const csv2 = await downloadResults(page);
  const audit2 = (await sandbox.control('/sandbox/audit')).filter((a) => a.action === 'remove').slice(audit.length);
  assert.equal(audit2.length, 3, 'the failing job removed half before it stopped');
  // List Users says which half is gone. Without Check who exists first, gone may also mean "never existed":
  // that half reads "outcome unknown" (in the file as on the page), the other half "failed" with the job's reason.
  const unsure = csv2.filter((r) => r.outcome === 'outcome unknown' && /^Outcome unknown: the job failed/.test(r.message));
  assert.deepEqual(unsure.map((r) => r.user.toLowerCase()).sort(), audit2.map((a) => a.user.toLowerCase()).sort(),
    JSON.stringify(csv2));
  const stillThere = csv2.filter((r) => r.outcome === 'failed');
  assert.equal(stillThere.length, 3, JSON.stringify(csv2));
  assert.ok(stillThere.every((r) => /^Failed to remove users.*after processing 3 of 6/.test(r.message)), JSON.stringify(csv2));
  assert.match(await page.locator('#results-summary').innerText(), /0 removed, 3 not removed, 3 outcome unknown/);
  assert.deepEqual(problems, []);
});

test('a cancelled EPM run says so, and the batches that never ran read "not started"', async () => {
  await sandbox.control('/sandbox/reset', {});
  const demo = await sandbox.control('/sandbox/demo');
  const tenant = await sandbox.control('/sandbox/tenant');
  const logins = tenant.epm.map((u) => u.userlogin)
    .filter((l) => l.toLowerCase() !== tenant.epmAdmin.toLowerCase()).slice(0, 200);
  const { page, problems } = await openPanel(browser, sandbox.url + '/');
  await connect(page, demo);
  await planLogins(page, logins);
  await page.fill('#confirm-count', String(logins.length));
  await sandbox.control('/sandbox/faults', { latencyMs: 300 });
  await page.click('#start-run');
  await page.waitForSelector('ol.batches li.active');
  await page.click('#cancel');
  await page.waitForSelector('#see-results', { timeout: 60_000 });
  await sandbox.control('/sandbox/faults', { latencyMs: 0 });

  const status = await page.locator('#run-status').innerText();
  const m = /^Cancelled: (\d+) removed, (?:.*, )?(\d+) not started \(of 200 users\)\.(?: \d+ users in [0-9.]+ (?:s|min [0-9]+ s) \([0-9.]+ users\/s\)\.)?$/.exec(status);
  assert.ok(m, status);
  const removed = (await sandbox.control('/sandbox/audit')).filter((a) => a.action === 'remove').length;
  assert.equal(Number(m[1]), removed, 'the status counts the users the service removed');
  assert.ok(Number(m[2]) > 0, status);
  const batches = await page.locator('ol.batches li').allInnerTexts();
  assert.ok(batches.every((b) => !/uploading the file|queued|removal under way/.test(b)), batches.join('\n'));
  const notStarted = batches.filter((b) => /: not started: the run was cancelled$/.test(b));
  assert.ok(notStarted.length > 0, batches.join('\n'));
  const sizes = notStarted.map((b) => Number(/\((\d+) users\)/.exec(b)[1])).reduce((a, b) => a + b, 0);
  assert.ok(sizes <= Number(m[2]), `the users of the batches not started are among those not started: ${sizes}, ${status}`);
  assert.deepEqual(problems, []);
});

test('with an OAuth token the own login must be entered to be protected; its refusal is not offered for a retry', async () => {
  await sandbox.control('/sandbox/reset', {});
  const demo = await sandbox.control('/sandbox/demo');
  const tenant = await sandbox.control('/sandbox/tenant');
  const others = tenant.epm.map((u) => u.userlogin)
    .filter((l) => l.toLowerCase() !== tenant.epmAdmin.toLowerCase()).slice(0, 3);
  const { page, problems } = await openPanel(browser, sandbox.url + '/');
  await page.check('#target-epm');
  await page.fill('#epm-base', demo.epm.baseUrl);
  await page.check('#epm-oauth');
  await page.fill('#epm-token', demo.epm.bearer);
  const placeholder = await page.locator('#own-account').getAttribute('placeholder');
  assert.ok(!/defaults to the user name/.test(placeholder), placeholder);
  assert.match(placeholder, /token/);
  assert.match(await page.locator('#own-account-needed').innerText(), /Enter your own login here for it to be protected/);
  await page.fill('#own-account', tenant.epmAdmin);
  await page.waitForSelector('#own-account-needed', { state: 'detached' });
  await page.fill('#own-account', '');
  await page.waitForSelector('#own-account-needed');

  // Left empty: the admin's own login is sent, the service refuses it, and a retry does not offer it.
  await page.click('.step-nav .primary');
  await dropFile(page, 'leavers.csv', ['User Login', ...others, tenant.epmAdmin].join('\n'));
  await page.waitForSelector('#intake-summary');
  await page.click('.step-nav .primary');
  await page.click('.step-nav .primary');
  await page.fill('#confirm-count', String(others.length + 1));
  await page.click('#start-run');
  await page.waitForSelector('#see-results', { timeout: 60_000 });
  await page.click('#see-results');
  await page.waitForSelector('#results-summary');
  const failed = await page.locator('#results-counts [data-class=failed]').innerText();
  assert.match(failed, /^1 failed/);
  assert.equal(await page.locator('#retry-failed').innerText(), 'Retry failed and not started (0)');
  assert.ok(await page.locator('#retry-failed').isDisabled(), 'nothing to retry: the refusal would only repeat');
  assert.deepEqual(problems, []);
});

test('a sign-in name with a dot also keeps the login after it out, says so, and a login entered is taken as written', async () => {
  const demo = await sandbox.control('/sandbox/demo');
  const tenant = await sandbox.control('/sandbox/tenant');
  const admin = tenant.epmAdmin;
  const bare = admin.slice(admin.indexOf('.') + 1);
  const { page, problems } = await openPanel(browser, sandbox.url + '/');
  await connectEpm(page, demo, 10);
  assert.equal(await page.locator('#own-account-from-sign-in').innerText(),
    `You sign in as ${admin}. In a classic identity domain that is the login ${bare}, so ${bare} is kept out of the ` +
    `removal too. If ${bare} is someone else, enter your own login here: only it is then kept out.`);
  await page.click('.step-nav .primary');
  await dropFile(page, 'leavers.csv', ['User Login', bare, admin, 'someone.else@example.com'].join('\n'));
  await page.waitForSelector('#intake-summary');
  await page.click('.step-nav .primary');
  const count = async (key) => Number(await page.locator(`#preview-counts [data-count=${key}] strong`).innerText().catch(() => '0'));
  assert.equal(await count('targets'), 1);
  assert.equal(await count('self'), 2);
  // The row of the bare login says it is only perhaps the admin's, and how to remove it if it is not.
  const skipped = await page.locator('[aria-label="Rows that will not be processed"] .vrow').allInnerTexts();
  assert.match(skipped.find((r) => r.includes(bare) && !r.includes(admin)),
    /perhaps your own account: never removed \(.*enter your own login on step 1\)$/);
  assert.match(skipped.find((r) => r.includes(admin)), /\syour own account: never removed$/);

  await page.locator('nav.stepper a', { hasText: 'Connect' }).click();
  await page.fill('#own-account', admin);
  await page.waitForSelector('#own-account-from-sign-in', { state: 'detached' });
  await page.locator('nav.stepper a', { hasText: 'Preview' }).click();
  await page.waitForSelector('#preview-counts');
  assert.equal(await count('targets'), 2, `${bare} is someone else's login now`);
  assert.equal(await count('self'), 1);
  assert.deepEqual(problems, []);
});
