// RSA end to end: connect with a pasted JWT, drop a CSV, check the preview, confirm, run, and check
// that the results table and the downloaded CSV agree with the sandbox's audit log.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { accessibilityProblems, dropFile, launchBrowser, openPanel, parseCsv, screenshot, startSandbox } from './harness.mjs';

let sandbox, browser;
before(async () => { sandbox = await startSandbox(['--users', '400']); browser = await launchBrowser(); });
after(async () => { await browser?.close(); await sandbox?.stop(); });

/** A realistic leavers file: a mix of every kind of user, plus rows that must not be sent. */
function leaversCsv(tenant) {
  const pick = (pred, n) => tenant.rsa.filter(pred).slice(0, n);
  const disabled = pick((u) => u.userStatus === 'Disabled' && !u.markDeleted && !/SCIM/.test(u.identitySource), 12);
  const enabled = pick((u) => u.userStatus === 'Enabled' && !u.markDeleted && !/SCIM/.test(u.identitySource), 3);
  const pending = pick((u) => u.markDeleted && u.userStatus === 'Disabled' && !/SCIM/.test(u.identitySource), 2);
  const scim = pick((u) => /SCIM/.test(u.identitySource) && u.userStatus === 'Disabled' && !u.markDeleted, 2);
  const unknown = ['00000000-0000-4000-8000-000000000001', 'ABCDEF01-2345-6789-ABCD-EF0123456789'];
  const lines = ['User ID;Name'];
  const expected = { removed: [], notFound: unknown.map((u) => u.toLowerCase()), notAllowed: [], conflict: [],
    enabled: enabled.map((u) => u.id.toLowerCase()), pending: pending.map((u) => u.id.toLowerCase()) };
  for (const u of disabled) { lines.push(`${u.id};${u.firstName} ${u.lastName}`); expected.removed.push(u.id); }
  for (const u of enabled) { lines.push(`${u.id.toUpperCase()};"${u.lastName}; ${u.firstName}"`); expected.conflict.push(u.id); }
  for (const u of pending) { lines.push(`${u.id};pending`); expected.conflict.push(u.id); }
  for (const u of scim) { lines.push(`${u.id};scim`); expected.notAllowed.push(u.id); }
  for (const id of unknown) lines.push(`${id};ghost`);
  lines.push(`${disabled[0].id.toUpperCase()};duplicate`);
  lines.push('not-a-user-id;invalid');
  lines.push('');
  return { text: '\uFEFF' + lines.join('\r\n') + '\r\n', expected, rows: lines.length };
}

test('an RSA removal from a dropped CSV completes and agrees with the audit log', async () => {
  const demo = await sandbox.control('/sandbox/demo');
  const tenant = await sandbox.control('/sandbox/tenant');
  const { text, expected } = leaversCsv(tenant);
  const { page, problems } = await openPanel(browser, sandbox.url + '/');

  await page.fill('#rsa-base', demo.rsa.adminRestApiUrl);
  await page.fill('#rsa-jwt', demo.rsa.jwt);
  await page.waitForSelector('#jwt-info');
  assert.match(await page.locator('#jwt-info').innerText(), new RegExp(demo.rsa.accessId));
  await page.click('#test-connection');
  await page.waitForSelector('#connection-status .success');
  await screenshot(page, 'rsa-1-connect');
  assert.deepEqual(await accessibilityProblems(page), [], 'rsa-1-connect');
  await page.click('.step-nav .primary');

  await dropFile(page, 'leavers.csv', text);
  await page.waitForSelector('#intake-summary');
  assert.match(await page.locator('#intake-summary').innerText(), /UTF-8/);
  await screenshot(page, 'rsa-2-csv');
  assert.deepEqual(await accessibilityProblems(page), [], 'rsa-2-csv');
  await page.click('.step-nav .primary');

  const count = async (key) => Number(await page.locator(`#preview-counts [data-count=${key}] strong`).innerText());
  const toRemove = expected.removed.length + expected.conflict.length + expected.notAllowed.length + expected.notFound.length;
  assert.equal(await count('targets'), toRemove);
  assert.equal(await count('duplicates'), 1);
  assert.equal(await count('invalid'), 1);
  assert.equal(await count('header'), 1);
  // The search finds a user whatever the case (here also its duplicate row, in upper case), and a row by its number.
  const list = (label) => page.locator(`[aria-label="${label}"]`);
  const someone = expected.removed[0];
  await page.fill('#search', someone.slice(2, 14).toUpperCase());
  await page.waitForFunction(() => document.querySelector('[aria-label="Users that will be removed"]')?.getAttribute('aria-rowcount') === '2');
  // The lists' first row is their headings, naming the file's identifier column; the count includes it.
  assert.deepEqual(await list('Users that will be removed').locator('[role=columnheader]').allInnerTexts(), ['Row', 'User ID', 'Notes']);
  assert.match(await list('Users that will be removed').locator('.vrow').first().innerText(), new RegExp(someone, 'i'));
  assert.equal(await list('Rows that will not be processed').getAttribute('aria-rowcount'), '2');
  assert.match(await list('Rows that will not be processed').locator('.vrow').first().innerText(), /duplicate/i);
  await page.fill('#search', '1');
  await page.waitForFunction(() => document.querySelector('[aria-label="Rows that will not be processed"]')?.getAttribute('aria-rowcount') !== '1');
  assert.match(await list('Rows that will not be processed').locator('.vrow').first().innerText(), /^1\s/);
  await page.fill('#search', '');
  await page.waitForFunction((n) => document.querySelector('[aria-label="Users that will be removed"]')?.getAttribute('aria-rowcount') === n,
    String(toRemove + 1));
  await screenshot(page, 'rsa-3-preview');
  assert.deepEqual(await accessibilityProblems(page), [], 'rsa-3-preview');
  await page.click('.step-nav .primary');

  await page.fill('#confirm-count', String(toRemove));
  await screenshot(page, 'rsa-4-confirm');
  assert.deepEqual(await accessibilityProblems(page), [], 'rsa-4-confirm');
  // Start pressed twice before the page has a turn (a double click): one run, one DELETE per user (checked below).
  await page.locator('#start-run').evaluate((button) => { button.click(); button.click(); });
  await page.waitForSelector('#see-results', { timeout: 60_000 });
  const bar = async (id) => Number(await page.locator(`.bar-row[data-outcome=${id}] .bar-count`).innerText());
  assert.equal(await bar('removed'), expected.removed.length);
  assert.equal(await bar('not-found'), expected.notFound.length);
  assert.equal(await bar('not-allowed'), expected.notAllowed.length);
  assert.equal(await bar('conflict'), expected.conflict.length);
  assert.equal(await page.locator('[role=progressbar]').getAttribute('aria-valuenow'), '100');
  // The end says how long the run took and at what rate, and leaves no empty chart still "measuring".
  assert.match(await page.locator('#run-status').innerText(),
    new RegExp(`^Finished: ${toRemove} of ${toRemove} users .* ${toRemove} users in [0-9.]+ s \\([0-9.]+ users/s\\)\\.$`));
  const chart = page.locator('#throughput-chart');
  assert.ok(!(await chart.isVisible()) || !/measuring/.test(await chart.innerText()), await chart.innerText());
  await screenshot(page, 'rsa-5-run');
  assert.deepEqual(await accessibilityProblems(page), [], 'rsa-5-run');
  await page.click('#see-results');

  const download = page.waitForEvent('download');
  await page.click('#download');
  const csv = parseCsv(readFileSync(await (await download).path(), 'utf8').replace(/^\uFEFF/, ''));
  await screenshot(page, 'rsa-6-results');
  const results = page.locator('[aria-label="Every row of the file with its outcome"]');
  assert.deepEqual(await results.locator('[role=columnheader]').allInnerTexts(), ['Row', 'User', 'Outcome', 'HTTP', 'Message']);
  // A user ID is shown whole, and a cell cut short by the width holds its whole text as its tooltip.
  const cells = await results.locator('.vrow .cell').evaluateAll((all) =>
    all.map((c) => ({ text: c.textContent, title: c.title, cut: c.scrollWidth > c.clientWidth })));
  const ids = cells.filter((c) => /^[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$/i.test(c.text));
  assert.ok(ids.length > 0 && ids.every((c) => !c.cut), 'every user ID is shown whole');
  assert.ok(cells.some((c) => c.cut), 'the long messages are cut short at this width');
  assert.deepEqual(cells.filter((c) => c.cut && c.title !== c.text), [], 'a cut cell has its whole text as its tooltip');
  assert.deepEqual(await accessibilityProblems(page), [], 'rsa-6-results');

  // Half a laptop screen (800 px): the user IDs stay whole in the results and the preview, and the message keeps room.
  const wide = page.viewportSize();
  await page.setViewportSize({ width: 800, height: wide.height });
  const shown = (list) => list.locator('.vrow .cell').evaluateAll((all) => all.filter((c) => c.offsetParent)
    .map((c) => ({ text: c.textContent, cut: c.scrollWidth > c.clientWidth, width: c.clientWidth, reason: c.classList.contains('reason') })));
  const isId = (c) => /^[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$/i.test(c.text);
  const narrow = await shown(results);
  assert.ok(narrow.filter(isId).length > 0 && narrow.filter(isId).every((c) => !c.cut), `every user ID is whole at 800 px: ${JSON.stringify(narrow.filter(isId).find((c) => c.cut))}`);
  assert.ok(narrow.filter((c) => c.reason).every((c) => c.width >= 90), `messages keep room: ${narrow.filter((c) => c.reason).map((c) => c.width)}`);
  await page.locator('nav.stepper a', { hasText: 'Preview' }).click();
  const preview = page.locator('[aria-label="Users that will be removed"]');
  await preview.locator('.vrow').first().waitFor();
  const previewIds = (await shown(preview)).filter(isId);
  assert.ok(previewIds.length > 0 && previewIds.every((c) => !c.cut), 'every user ID is whole in the preview at 800 px');
  await page.setViewportSize(wide);
  await page.locator('nav.stepper a', { hasText: 'Results' }).click();

  const audit = (await sandbox.control('/sandbox/audit')).filter((a) => a.action === 'remove');
  const removedInAudit = audit.map((a) => a.user).sort();
  assert.deepEqual(removedInAudit, [...expected.removed].sort(), 'exactly the disabled users were removed');
  assert.equal(new Set(removedInAudit).size, removedInAudit.length, 'nobody removed twice');

  const removedInCsv = csv.filter((r) => r.outcome === 'removed').map((r) => r.user.toLowerCase()).sort();
  assert.deepEqual(removedInCsv, removedInAudit.map((u) => u.toLowerCase()));
  // A 409 says which of the two documented reasons the service gave.
  const message = (id) => csv.find((r) => r.user.toLowerCase() === id && r.outcome !== 'skipped').message;
  for (const id of expected.enabled) assert.match(message(id), /^Not removed: the user is still enabled/);
  for (const id of expected.pending) assert.match(message(id), /^Not removed: the user is pending deletion/);
  assert.equal(csv.length, text.trim().split(/\r\n/).length + 1, 'one CSV row per input row, the trailing blank included');
  const deletes = (await sandbox.control('/sandbox/requests')).filter((r) => r.method === 'DELETE');
  const perUser = new Map();
  for (const r of deletes) perUser.set(r.path, (perUser.get(r.path) ?? 0) + 1);
  assert.ok([...perUser.values()].every((n) => n === 1), 'one DELETE per user');
  assert.deepEqual(problems, []);
});

test('an e-mail list is resolved to user IDs, blocked users are flagged, and only found users are removed', async () => {
  const demo = await sandbox.control('/sandbox/demo');
  const tenant = await sandbox.control('/sandbox/tenant');
  const removed = new Set((await sandbox.control('/sandbox/audit')).map((a) => a.user));
  const live = tenant.rsa.filter((u) => !removed.has(u.id) && !/SCIM/.test(u.identitySource));
  const [me, ...disabled] = live.filter((u) => u.userStatus === 'Disabled' && !u.markDeleted).slice(0, 6);
  const enabled = live.filter((u) => u.userStatus === 'Enabled' && !u.markDeleted).slice(0, 2);
  // The admin's own account, given by its e-mail address, and a user given both by ID and by address.
  const lines = ['email', ...disabled.map((u) => u.emailAddress), ...enabled.map((u) => u.emailAddress.toUpperCase()),
    'nobody.at.all@example.com', me.emailAddress, disabled[1].id];
  const { page, problems } = await openPanel(browser, sandbox.url + '/');
  await page.fill('#rsa-base', demo.rsa.adminRestApiUrl);
  await page.fill('#rsa-jwt', demo.rsa.jwt);
  // RSA removes by user ID: an own account given by address could not cover a row giving the ID.
  await page.fill('#own-account', me.emailAddress);
  await page.waitForSelector('.problems .error');
  assert.match(await page.locator('.problems .error').innerText(), /own account as your user ID/);
  assert.ok(await page.locator('.step-nav .primary').isDisabled(), 'an own account given by address holds the run back');
  await page.fill('#own-account', me.id);
  await page.click('.step-nav .primary');
  await dropFile(page, 'emails.csv', lines.join('\n'));
  await page.waitForSelector('#intake-summary');
  await page.click('.step-nav .primary');

  await page.click('#lookup-emails');
  await page.waitForSelector('#lookup-summary');
  const summary = await page.locator('#lookup-summary').innerText();
  assert.match(summary, /^4 found and removable; 2 still enabled/);
  assert.match(summary, /1 not found/);
  assert.match(summary, /2 found but left out: your own account/);
  await screenshot(page, 'rsa-lookup');
  // The preview now agrees with the run: the users found join the users to remove, each left-out row says why.
  assert.equal(await page.locator('#preview-counts [data-count=targets] strong').innerText(), '7');
  const counts = await page.locator('#preview-counts strong').allInnerTexts();
  assert.equal(counts.map(Number).reduce((a, b) => a + b, 0), lines.length, `the counts add up to the rows read: ${counts}`);
  assert.equal(await page.locator('#preview-counts [data-count=not-in-tenant] strong').innerText(), '1');
  assert.equal(await page.locator('#preview-counts [data-count=invalid]').count(), 0, 'an address nobody has is not invalid');
  await page.fill('#search', 'nobody.at.all');
  await page.waitForFunction(() => /Will not be processed \(1\)/.test(document.body.innerText));
  assert.match(await page.locator('[aria-label="Rows that will not be processed"]').innerText(),
    /not in the tenant: no user has this e-mail address/);
  await page.fill('#search', me.emailAddress);
  await page.waitForFunction(() => /Will not be processed \(1\)/.test(document.body.innerText));
  assert.match(await page.locator('[aria-label="Rows that will not be processed"]').innerText(), /your own account/);
  await page.fill('#search', disabled[1].emailAddress);
  await page.waitForFunction(() => /Will be removed \(0\)/.test(document.body.innerText));
  assert.match(await page.locator('[aria-label="Rows that will not be processed"]').innerText(), /duplicate of row 11/);
  await page.fill('#search', disabled[0].emailAddress);
  await page.waitForFunction(() => /Will be removed \(1\)/.test(document.body.innerText));
  assert.match(await page.locator('[aria-label="Users that will be removed"]').innerText(), new RegExp(`user ID ${disabled[0].id}`));
  // An enabled user's row says the service will refuse it, and what the choice to disable it first changes.
  await page.fill('#search', enabled[0].emailAddress);
  await page.waitForFunction(() => /Will be removed \(1\)/.test(document.body.innerText));
  const enabledRow = page.locator('[aria-label="Users that will be removed"] .why');
  assert.match(await enabledRow.innerText(), new RegExp(`user ID ${enabled[0].id}; still enabled: Delete User Now refuses it \\(409\\)`));
  await page.check('#disable-first');
  assert.match(await enabledRow.innerText(), /; still enabled: disabled first, then deleted$/);
  await page.uncheck('#disable-first');
  await page.click('.step-nav .primary');
  assert.match(await page.locator('#expected-refusals').innerText(), /the service will refuse 2 of them: 2 still enabled \(409\)\./,
    'the confirmation says who the lookup knows will be refused');
  await page.fill('#confirm-count', '7');
  await screenshot(page, 'rsa-lookup-confirm');
  await page.click('#start-run');
  await page.waitForSelector('#see-results', { timeout: 60_000 });
  assert.equal(await page.locator('.bar-row[data-outcome=removed] .bar-count').innerText(), '5');
  assert.equal(await page.locator('.bar-row[data-outcome=conflict] .bar-count').innerText(), '2');
  const after = (await sandbox.control('/sandbox/audit')).map((a) => a.user).filter((u) => !removed.has(u));
  assert.deepEqual(after.sort(), disabled.map((u) => u.id).sort(), 'the own account was not removed, nobody twice');
  await page.click('#see-results');
  assert.match(await page.locator('#results-summary').innerText(), /^11 rows: 5 removed, 2 not removed, 4 skipped/);
  assert.equal(await page.locator('#skipped-why').innerText(),
    'Skipped rows, by reason: duplicates: 1, header: 1, your own account: 1, not in the tenant: 1.');
  assert.deepEqual(problems, []);
});

test('a cancelled run is finished by "Retry" exactly once, even when the button is pressed twice at once', async () => {
  const demo = await sandbox.control('/sandbox/demo');
  const tenant = await sandbox.control('/sandbox/tenant');
  const gone = new Set((await sandbox.control('/sandbox/audit')).map((a) => a.user));
  const users = tenant.rsa.filter((u) => !gone.has(u.id) && u.userStatus === 'Disabled' && !u.markDeleted &&
    !/SCIM/.test(u.identitySource)).slice(0, 40);
  assert.equal(users.length, 40, 'the tenant has enough users left');
  const { page, problems } = await openPanel(browser, sandbox.url + '/');
  await confirmRemoval(page, demo, users.map((u) => u.id));
  await sandbox.control('/sandbox/faults', { latencyMs: 400 });
  await page.click('#start-run');
  await page.waitForFunction(() => Number(document.querySelector('.bar-row[data-outcome=removed] .bar-count')?.textContent) >= 2);
  await page.locator('nav.stepper a', { hasText: 'Connect' }).click();
  assert.ok(await page.locator('#disconnect').isDisabled(), 'the credential cannot be forgotten under a running run');
  await page.locator('nav.stepper a', { hasText: 'Run' }).click();
  await page.click('#cancel');
  await page.waitForSelector('#see-results', { timeout: 60_000 });
  await page.waitForTimeout(100);
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'see-results', 'the focus left on Cancel goes to the way on');
  await sandbox.control('/sandbox/faults', { latencyMs: 0 });
  await page.click('#see-results');
  const cancelled = await page.locator('#results-summary').innerText();
  const [, removedFirst] = cancelled.match(/ (\d+) removed/);
  assert.ok(Number(removedFirst) < users.length, `the run was cancelled before the end: ${cancelled}`);

  // Step 1 switched to EPM: the results stay RSA's, and a retry would send their user IDs to EPM, so it is refused.
  await page.locator('nav.stepper a', { hasText: 'Connect' }).click();
  await page.check('#target-epm');
  await page.locator('nav.stepper a', { hasText: 'Run' }).click();
  assert.match(await page.locator('#run-what').innerText(), /Delete User Now cannot be undone/, 'the run is still shown as RSA');
  await page.locator('nav.stepper a', { hasText: 'Results' }).click();
  await page.click('#retry-failed');
  assert.match(await page.locator('.card [role=alert]').innerText(),
    /^These results are from a run against RSA Cloud Access Service, and step 1 is now switched to Oracle EPM Cloud/);
  assert.equal(await page.locator('#confirm-count').count(), 0, 'no confirmation of a run against EPM');
  await page.locator('nav.stepper a', { hasText: 'Connect' }).click();
  await page.check('#target-rsa');
  await page.locator('nav.stepper a', { hasText: 'Results' }).click();

  // The retry is confirmed like a first run, with its own count; a double press of the start button starts it once.
  const retried = Number(/\((\d+)\)/.exec(await page.locator('#retry-failed').innerText())[1]);
  await page.locator('button', { hasText: 'Retry failed and not started' }).evaluate((b) => { b.click(); b.click(); });
  await page.fill('#confirm-count', String(retried));
  await page.locator('#start-run').evaluate((b) => { b.click(); b.click(); });
  await page.waitForSelector('#see-results', { timeout: 60_000 });
  assert.match(await page.locator('#run-status').innerText(), /^Finished: (\d+) of \1 users/);
  await page.click('#see-results');
  assert.match(await page.locator('#results-summary').innerText(), new RegExp(`^${users.length + 1} rows: ${users.length} removed, 0 not removed, 1 skipped`));
  const removed = (await sandbox.control('/sandbox/audit')).filter((a) => a.action === 'remove' && !gone.has(a.user)).map((a) => a.user);
  assert.deepEqual([...removed].sort(), users.map((u) => u.id).sort(), 'every user removed, nobody twice');
  assert.deepEqual(problems, []);
});

test('a second tab opened during a run is told the run goes on elsewhere, and offered it only once it has ended', async () => {
  const { demo, disabled } = await slowTenant();
  const [users, theirs] = [disabled.slice(0, 60), disabled.slice(60, 70)];
  const { page, context, problems } = await openPanel(browser, sandbox.url + '/');
  await confirmRemoval(page, demo, users.map((u) => u.id));
  // A second tab, opened before the run, confirms a run of its own: it is stopped at its start.
  const early = await context.newPage();
  await early.goto(sandbox.url + '/');
  await confirmRemoval(early, demo, theirs.map((u) => u.id));
  await page.click('#start-run');
  await page.waitForSelector('#run-status');
  const told = new Promise((resolve) => early.once('dialog', (d) => { resolve(d.message()); d.accept(); }));
  await early.click('#start-run');
  assert.match(await told, /^Another tab of this browser is running a removal/);
  await early.waitForTimeout(500);
  assert.equal(await early.locator('#run-status').count(), 0, 'the second tab started nothing');
  await early.close();

  const other = await context.newPage();
  await other.goto(sandbox.url + '/');
  await other.waitForSelector('#run-in-other-tab');
  assert.equal(await other.locator('#resume-run').count(), 0, 'no resume is offered while the run goes on');

  await page.waitForSelector('#see-results', { timeout: 60_000 });
  const deletes = (await sandbox.control('/sandbox/audit')).filter((a) => a.action === 'remove');
  assert.deepEqual(deletes.map((a) => a.user).sort(), users.map((u) => u.id).sort(), 'only the first tab\'s users');
  await other.reload();
  await other.waitForSelector('nav.stepper');
  assert.equal(await other.locator('#run-in-other-tab').count(), 0, 'the run has ended');
  await sandbox.control('/sandbox/faults', { latencyMs: 0 });
  assert.deepEqual(problems, []);
});

test('an interrupted run shows a result for every input row: not started, or outcome unknown, until it is resumed', async () => {
  const { demo, disabled } = await slowTenant();
  const users = disabled.slice(0, 80);
  const { page, problems } = await openPanel(browser, sandbox.url + '/');
  await confirmRemoval(page, demo, [...users.map((u) => u.id), 'bad-id'], users.length);
  await page.click('#start-run');
  await page.waitForFunction(() => Number(document.querySelector('.bar-row[data-outcome=removed] .bar-count')?.textContent ?? 0) >= 10);
  await page.reload();
  await page.waitForSelector('#saved-run');
  await page.click('#saved-results');
  await page.waitForSelector('#results-summary');
  const rows = await downloadResults(page);
  assert.equal(rows.size, users.length + 2, 'every row of the file, the header and the invalid one included');
  const outcomes = [...rows.values()].map((r) => r.outcome);
  assert.ok(outcomes.includes('not started'), outcomes.join());
  const removed = (await sandbox.control('/sandbox/audit')).filter((a) => a.action === 'remove').map((a) => a.user);
  for (const id of removed) {
    const row = [...rows.values()].find((r) => r.user === id);
    assert.ok(row && row.outcome !== 'not started', `${id} was removed: ${row?.outcome} ${row?.message}`);
  }
  await sandbox.control('/sandbox/faults', { latencyMs: 0 });
  assert.deepEqual(problems, []);
});

test('a tab that read a saved run before another tab resumed, ended or forgot it acts on the run saved now: it sends nothing, and forgets nothing newer', async () => {
  const { demo, disabled } = await slowTenant();
  const users = disabled.slice(0, 40);
  const { page, context, problems } = await openPanel(browser, sandbox.url + '/');
  await confirmRemoval(page, demo, users.map((u) => u.id));
  await page.click('#start-run');
  await page.waitForFunction(() => Number(document.querySelector('.bar-row[data-outcome=removed] .bar-count')?.textContent ?? 0) >= 10);
  await page.reload();
  await page.waitForSelector('#resume-run');
  // Two more tabs read the interrupted run, and stay open while the first tab resumes it to its end.
  const [looks, resumes] = [await context.newPage(), await context.newPage()];
  for (const tab of [looks, resumes]) {
    await tab.goto(sandbox.url + '/');
    await tab.waitForSelector('#resume-run');
  }
  await page.click('#resume-run');
  await page.fill('#rsa-jwt', demo.rsa.jwt);
  await page.click('#resume-run');
  await page.waitForSelector('#see-results', { timeout: 60_000 });
  await sandbox.control('/sandbox/faults', { latencyMs: 0 });
  const sent = (await sandbox.control('/sandbox/requests')).length;

  // Its results, as the run ended: every user removed, none "not started" (the header row is skipped).
  await looks.click('#saved-results');
  await looks.waitForSelector('#results-summary');
  assert.match(await looks.locator('#results-summary').innerText(), new RegExp(`^${users.length + 1} rows: ${users.length} removed, 0 not removed, 1 skipped`));

  // Resume, connected: the run is read again, found ended, and nothing is sent.
  await resumes.click('#resume-run');
  await resumes.fill('#rsa-jwt', demo.rsa.jwt);
  await resumes.click('#resume-run');
  await resumes.waitForSelector('#saved-run-notice');
  assert.match(await resumes.locator('#saved-run-notice').innerText(), /^Another tab of this browser changed the saved run since this page read it/);
  assert.match(await resumes.locator('#saved-run').innerText(), new RegExp(`Your last run \\(${users.length} users`));
  assert.equal(await resumes.locator('#resume-run').count(), 0, 'an ended run is not offered to resume');
  await resumes.waitForTimeout(1_000);
  assert.equal(await resumes.locator('#run-status').count(), 0, 'no run started');
  assert.equal((await sandbox.control('/sandbox/requests')).length, sent, 'no request sent');
  const removals = (await sandbox.control('/sandbox/audit')).filter((a) => a.action === 'remove').map((a) => a.user);
  assert.deepEqual(removals.sort(), users.map((u) => u.id).sort(), 'every user removed once');

  // The first tab forgets the run, and is reloaded during a run of other users: the tab still showing the ended run
  // forgets nothing when its Forget is pressed, and shows the run saved now.
  await page.goto(sandbox.url + '/');
  await page.click('#forget-run');
  await page.waitForSelector('#saved-run', { state: 'detached' });
  await sandbox.control('/sandbox/faults', { latencyMs: 300 });
  await confirmRemoval(page, demo, disabled.slice(40, 60).map((u) => u.id));
  await page.click('#start-run');
  await page.waitForFunction(() => Number(document.querySelector('.bar-row[data-outcome=removed] .bar-count')?.textContent ?? 0) >= 5);
  await page.reload();
  await page.waitForSelector('#resume-run');
  await sandbox.control('/sandbox/faults', { latencyMs: 0 });
  await resumes.click('#forget-run');
  await resumes.waitForFunction(() => /stopped before it ended/.test(document.querySelector('#saved-run')?.textContent ?? ''));
  assert.match(await resumes.locator('#saved-run-notice').innerText(), /^Another tab of this browser changed the saved run/);
  await page.reload();
  await page.waitForSelector('#resume-run');

  // Forgotten in one tab, the run is gone in the others when they act on it.
  await page.click('#forget-run');
  await page.waitForSelector('#saved-run', { state: 'detached' });
  await looks.reload();
  await looks.waitForSelector('nav.stepper');
  assert.equal(await looks.locator('#saved-run').count(), 0);
  await resumes.click('#saved-results');
  await resumes.waitForSelector('#saved-run-notice');
  assert.match(await resumes.locator('#saved-run-notice').innerText(), /no longer saved in this browser/);
  assert.equal(await resumes.locator('#saved-run').count(), 0);
  await looks.close();
  await resumes.close();
  assert.deepEqual(problems, []);
});

/** A fresh tenant answering each request after 300 ms: the demo credentials and its plain disabled users. */
async function slowTenant() {
  await sandbox.control('/sandbox/reset', {});
  await sandbox.control('/sandbox/faults', { latencyMs: 300 });
  const demo = await sandbox.control('/sandbox/demo');
  const tenant = await sandbox.control('/sandbox/tenant');
  return { demo, disabled: tenant.rsa.filter((u) => u.userStatus === 'Disabled' && !u.markDeleted && !/SCIM/.test(u.identitySource)) };
}

async function downloadResults(page) {
  const download = page.waitForEvent('download');
  await page.click('#download');
  const rows = parseCsv(readFileSync(await (await download).path(), 'utf8').replace(/^\uFEFF/, ''));
  return new Map(rows.map((r) => [Number(r.row), r]));
}

/** Connects with the demo JWT, drops a file of `ids` and fills the confirmation for `count` users: ready to start. */
test('a pasted token that would expire before the run ends is warned of on the Run step, where the plan is known', async () => {
  const demo = await sandbox.control('/sandbox/demo');
  const { jwt } = await sandbox.control('/sandbox/token', { ttlSecs: 120 });
  const ids = Array.from({ length: 2_000 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);
  const { page, problems } = await openPanel(browser, sandbox.url + '/');
  await confirmRemoval(page, { rsa: { ...demo.rsa, jwt } }, ids);
  assert.match(await page.locator('#token-expiry').innerText(), /expires .*before the run/i);
  // A token with time to spare: no warning.
  const spare = await openPanel(browser, sandbox.url + '/');
  await confirmRemoval(spare.page, demo, ids.slice(0, 10));
  assert.equal(await spare.page.locator('#token-expiry').count(), 0);
  assert.deepEqual([...problems, ...spare.problems], []);
  await page.close();
  await spare.page.close();
});

async function confirmRemoval(page, demo, ids, count = ids.length) {
  await page.fill('#rsa-base', demo.rsa.adminRestApiUrl);
  await page.fill('#rsa-jwt', demo.rsa.jwt);
  await page.click('.step-nav .primary');
  await dropFile(page, 'leavers.csv', ['userID', ...ids].join('\n'));
  await page.waitForSelector('#intake-summary');
  await page.click('.step-nav .primary');
  await page.click('.step-nav .primary');
  await page.fill('#confirm-count', String(count));
}

test('against a small rate limit the run says the pace it learned from the 429s, and climbs to the limit', async () => {
  const demo = await sandbox.control('/sandbox/demo');
  const before = await sandbox.control('/sandbox/faults');
  // IDs the tenant does not have: each is answered (404) and counts towards the limit like a removal.
  const ids = Array.from({ length: 480 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);
  const { page, problems } = await openPanel(browser, sandbox.url + '/');
  await confirmRemoval(page, demo, ids);
  // 40 requests a second, in a bucket of 10: a one-second hold refills only a quarter of a second's worth.
  await sandbox.control('/sandbox/faults', { rate: 40, burst: 10 });
  const pace = async () => Number(/Paced at about (\d+) requests\/s, learned from the service's throttling\./
    .exec(await page.locator('#run-status').innerText())?.[1] ?? 0);
  try {
    await page.click('#start-run');
    await page.waitForFunction(() => /Paced at about/.test(document.querySelector('#run-status')?.textContent ?? ''),
      null, { timeout: 30_000 });
    const first = await pace();
    assert.ok(first > 0 && first < 40, `first paced at ${first}/s, below the limit of 40/s`);
    const throttledBefore = (await sandbox.control('/sandbox/requests')).filter((r) => r.status === 429).length;
    await page.waitForFunction(() => Number(/Paced at about (\d+)/.exec(document.querySelector('#run-status')?.textContent ?? '')?.[1] ?? 0) >= 32,
      null, { timeout: 30_000 });
    assert.ok(await pace() <= 60, `paced at ${await pace()}/s`);
    const throttledAfter = (await sandbox.control('/sandbox/requests')).filter((r) => r.status === 429).length;
    assert.ok(throttledAfter - throttledBefore <= 20, `${throttledAfter - throttledBefore} 429s while climbing`);
    await page.click('#cancel');
    await page.waitForSelector('#see-results', { timeout: 60_000 });
  } finally {
    await sandbox.control('/sandbox/faults', { rate: before.rate, burst: before.burst });
  }
  assert.deepEqual(problems, []);
});
