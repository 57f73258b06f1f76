// Safeguards: a rehearsal predicts exactly what the real run then does (with "disable first", each
// disable before its delete); mark for deletion then undo (from the downloaded results file) leaves the tenant
// as it was; protected rows are never requested; the mass-removal confirmation appears above the threshold only.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { accessibilityProblems, dropFile, launchBrowser, openPanel, parseCsv, screenshot, startSandbox } from './harness.mjs';

let sandbox, browser;
before(async () => { sandbox = await startSandbox(['--users', '400']); browser = await launchBrowser(); });
after(async () => { await browser?.close(); await sandbox?.stop(); });

const plain = (u) => !/SCIM|Azure/.test(u.identitySource);
const pick = (tenant, pred, n) => tenant.rsa.filter(pred).slice(0, n);

async function connect(page, demo) {
  await page.fill('#rsa-base', demo.rsa.adminRestApiUrl);
  await page.fill('#rsa-jwt', demo.rsa.jwt);
  await page.click('.step-nav .primary');
}

async function downloadResults(page, kind = 'results') {
  const download = page.waitForEvent('download');
  await page.click('#download');
  const file = await download;
  assert.match(file.suggestedFilename(), new RegExp(`^offboard-${kind}-\\d{4}-\\d\\d-\\d\\dT[0-9-]+Z\\.csv$`));
  const rows = parseCsv(readFileSync(await file.path(), 'utf8').replace(/^\uFEFF/, ''));
  return new Map(rows.map((r) => [Number(r.row), r]));
}

test('a rehearsal predicts the real run row by row; enabled users are disabled before they are deleted', async () => {
  await sandbox.control('/sandbox/reset', {});
  const demo = await sandbox.control('/sandbox/demo');
  const tenant = await sandbox.control('/sandbox/tenant');
  const disabled = pick(tenant, (u) => u.userStatus === 'Disabled' && !u.markDeleted && plain(u), 5);
  const enabled = pick(tenant, (u) => u.userStatus === 'Enabled' && !u.markDeleted && plain(u), 3);
  const pending = pick(tenant, (u) => u.markDeleted && plain(u), 2);
  const managed = pick(tenant, (u) => !plain(u) && u.userStatus === 'Disabled' && !u.markDeleted, 2);
  const emails = [...disabled, ...enabled, ...pending, ...managed].map((u) => u.emailAddress);
  emails.push('nobody.here@example.com', 'ghost@example.com');
  const { page, problems } = await openPanel(browser, sandbox.url + '/');
  await connect(page, demo);
  await dropFile(page, 'leavers.csv', ['Email', ...emails].join('\n'));
  await page.waitForSelector('#intake-summary');
  await page.click('.step-nav .primary');
  await page.click('#lookup-emails');
  await page.waitForSelector('#lookup-summary');
  assert.match(await page.locator('#enabled-users').innerText(), /3 users are still enabled/);
  await page.check('#disable-first');
  // A protected list applied after the lookup keeps it: the plan and the choice made stay.
  const planned = await page.locator('#preview-counts [data-count=targets] strong').innerText();
  await page.click('#safeguards summary');
  await page.fill('#protected-list', '00000000-0000-4000-8000-000000000000\n');
  await page.click('#protected-apply');
  await page.waitForSelector('#protected-said');
  assert.equal(await page.locator('#preview-counts [data-count=targets] strong').innerText(), planned);
  assert.ok(await page.locator('#disable-first').isChecked(), 'the lookup and its choices are kept');
  await page.click('#safeguards summary');
  await screenshot(page, 'safeguards-1-disable-first');
  await page.click('.step-nav .primary');
  await page.click('#rehearse');
  await page.waitForSelector('#rehearsal-note');
  await screenshot(page, 'safeguards-2-rehearsal');
  assert.deepEqual(await accessibilityProblems(page), [], 'rehearsal results');
  const predicted = await downloadResults(page, 'rehearsal');
  assert.equal((await sandbox.control('/sandbox/audit')).length, 0, 'a rehearsal changes nobody');

  await page.click('#start-real-run');
  const toRemove = disabled.length + enabled.length + pending.length + managed.length;
  await page.fill('#confirm-count', String(toRemove));
  await page.click('#start-run');
  await page.waitForSelector('#see-results', { timeout: 60_000 });
  await page.click('#see-results');
  const real = await downloadResults(page);

  assert.equal(predicted.size, emails.length + 1, 'every row has a prediction or a reason');
  for (const [row, p] of predicted) {
    const r = real.get(row);
    if (p.outcome === 'not found') {
      assert.equal(r.outcome, 'skipped', `row ${row}: an unknown address is left out of the real run`);
    } else {
      assert.equal(r.outcome, p.outcome, `row ${row} (${p.user}): predicted ${p.outcome}, got ${r.outcome}: ${r.message}`);
    }
  }
  const byId = new Map([...real.values()].map((r) => [r.user.toLowerCase(), r]));
  for (const u of enabled) assert.match(byId.get(u.id).message, /^Disabled, then removed/);

  const audit = await sandbox.control('/sandbox/audit');
  for (const u of enabled) {
    const mine = audit.filter((a) => a.user === u.id).map((a) => a.action);
    assert.deepEqual(mine, ['disable', 'remove'], `${u.id}: disabled, then removed`);
  }
  const removed = audit.filter((a) => a.action === 'remove').map((a) => a.user).sort();
  assert.deepEqual(removed, [...disabled, ...enabled].map((u) => u.id).sort());
  assert.deepEqual(problems, []);
});

test('mark for deletion then undo leaves the tenant as it was', async () => {
  await sandbox.control('/sandbox/reset', {});
  const demo = await sandbox.control('/sandbox/demo');
  const tenant = await sandbox.control('/sandbox/tenant');
  const users = pick(tenant, (u) => !u.markDeleted && plain(u), 5);
  const alreadyMarked = pick(tenant, (u) => u.markDeleted && plain(u), 1);
  const ids = [...users, ...alreadyMarked].map((u) => u.id);
  const state = (t) => Object.fromEntries(t.rsa.filter((u) => ids.includes(u.id)).map((u) => [u.id, [u.markDeleted, u.userStatus]]));
  const before = state(tenant);

  const { page, problems } = await openPanel(browser, sandbox.url + '/');
  await connect(page, demo);
  await dropFile(page, 'leavers.csv', ['userID', ...ids].join('\n'));
  await page.waitForSelector('#intake-summary');
  await page.click('.step-nav .primary');
  await page.click('.step-nav .primary');
  await page.check('#action-mark');
  assert.match(await page.locator('#start-run').innerText(), /Mark 6 users for deletion/);
  await page.fill('#confirm-count', '6');
  await screenshot(page, 'safeguards-3-mark');
  await page.click('#start-run');
  await page.waitForSelector('#see-results', { timeout: 60_000 });
  assert.match(await page.locator('#run-what').innerText(), /Marking users for deletion/);
  await page.click('#see-results');
  const marked = (await sandbox.control('/sandbox/audit')).filter((a) => a.action === 'mark').map((a) => a.user).sort();
  assert.deepEqual(marked, users.map((u) => u.id).sort(), 'only unmarked users were marked');
  assert.match(await page.locator('#undo-marks').innerText(), /5 users/);

  // The undo starts from the downloaded results file, as it would in a later session.
  const download = page.waitForEvent('download');
  await page.click('#download');
  const file = await (await download).path();
  const exported = parseCsv(readFileSync(file, 'utf8').replace(/^\uFEFF/, ''));
  assert.equal(exported.filter((r) => r.outcome === 'marked for deletion').length, 5, 'the file lists the 5 marks');
  await page.click('#results-counts [data-class=marked] button');
  assert.equal(await page.locator('#results-counts button[aria-pressed=true]').count(), 1);
  await page.setInputFiles('#open-results', { name: 'marked.csv', mimeType: 'text/csv', buffer: readFileSync(file) });
  await page.waitForSelector('text=Showing the results in marked.csv');
  assert.equal(await page.locator('#results-counts button[aria-pressed=true]').count(), 0, 'a file opened shows all its rows');
  assert.match(await page.locator('#undo-marks').innerText(), /5 users/);
  await page.click('#undo-marks');
  // The undo changes accounts too: it is confirmed on the Run step first, with its own count.
  await page.waitForSelector('#confirm-count');
  assert.match(await page.locator('#confirm-text').innerText(), /take the mark for deletion off 5 users/);
  assert.equal((await sandbox.control('/sandbox/audit')).filter((a) => a.action === 'unmark').length, 0, 'nothing before the confirmation');
  await page.fill('#confirm-count', '5');
  await page.click('#start-run');
  await page.waitForSelector('#see-results', { timeout: 60_000 });
  await page.click('#see-results');
  const audit = await sandbox.control('/sandbox/audit');
  assert.deepEqual(audit.filter((a) => a.action === 'unmark').map((a) => a.user).sort(), marked, 'the undo unmarked exactly those');
  assert.equal(audit.filter((a) => a.action === 'remove').length, 0, 'nobody was removed');
  assert.deepEqual(state(await sandbox.control('/sandbox/tenant')), before, 'the tenant is as it was');
  assert.deepEqual(problems, []);
});

test('protected rows are never requested; the mass-removal check appears above the threshold only', async () => {
  await sandbox.control('/sandbox/reset', {});
  const demo = await sandbox.control('/sandbox/demo');
  const tenant = await sandbox.control('/sandbox/tenant');
  const users = pick(tenant, (u) => u.userStatus === 'Disabled' && !u.markDeleted && plain(u), 8);
  const [keepExact, keepPattern, ...rest] = users;
  const { page, problems } = await openPanel(browser, sandbox.url + '/');
  await connect(page, demo);
  await dropFile(page, 'leavers.csv', ['userID', ...users.map((u) => u.id)].join('\n'));
  await page.waitForSelector('#intake-summary');
  await page.click('.step-nav .primary');

  await page.click('#safeguards summary');
  const list = `# break glass\n${keepExact.id.toUpperCase()}\n${keepPattern.id.slice(0, 13)}*\n`;
  // A list imported from a Windows "Unicode" (UTF-16) file reads as typed.
  const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(`${list}*\r\n`.replace(/\n/g, '\r\n'), 'utf16le')]);
  await page.setInputFiles('#protected-import', { name: 'protected.txt', mimeType: 'text/plain', buffer: utf16 });
  await page.waitForSelector('#preview-counts [data-count=protected]');
  assert.equal(await page.locator('#preview-counts [data-count=protected] strong').innerText(), '2');
  assert.equal(await page.locator('#preview-counts [data-count=targets] strong').innerText(), String(rest.length));
  // What the apply said stays in view through the new plan: the count kept, and the line left out.
  assert.equal(await page.locator('#protected-said').innerText(), '2 protected entries kept in this browser.');
  assert.match(await page.locator('#safeguards .problems').innerText(), /would protect every account/);
  // An edit not applied protects nobody, and says so until it is applied or undone.
  await page.fill('#protected-list', `${list}${rest[0].id}\n`);
  await page.waitForSelector('#protected-unapplied');
  assert.match(await page.locator('#safeguards summary').innerText(), /\(edits not applied\)/);
  await page.fill('#protected-list', list);
  await page.waitForSelector('#protected-unapplied', { state: 'detached' });
  await page.fill('#mass-threshold', '100');
  await page.click('.step-nav .primary');
  assert.equal(await page.locator('#confirm-host').count(), 0, 'no tenant check below the threshold');
  await page.click('text=Back to preview');

  await page.click('#safeguards summary');
  await page.fill('#mass-threshold', String(rest.length - 1));
  await page.click('.step-nav .primary');
  await page.waitForSelector('#confirm-host');
  await page.fill('#confirm-count', String(rest.length));
  assert.ok(await page.locator('#start-run').isDisabled(), 'the tenant name is needed as well');
  const host = /Type (.+) to confirm/.exec(await page.locator('label[for=confirm-host]').innerText())[1];
  await page.fill('#confirm-host', host);
  await page.click('#start-run');
  await page.waitForSelector('#countdown');
  await screenshot(page, 'safeguards-4-countdown');
  await page.waitForTimeout(1_200);
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'cancel-start',
    'the way to stop the countdown has the focus, and keeps it as the seconds go by');
  await page.keyboard.press('Enter');
  await page.waitForSelector('#countdown', { state: 'detached' });
  await page.waitForTimeout(300);
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'start-run', 'the focus goes back to the start button');
  // Escape stops the countdown as well.
  await page.keyboard.press('Enter');
  await page.waitForSelector('#countdown');
  await page.keyboard.press('Escape');
  await page.waitForSelector('#countdown', { state: 'detached' });
  await page.waitForTimeout(1_500);
  assert.equal((await sandbox.control('/sandbox/requests')).length, 0, 'cancelled during the delay: nothing was sent');

  await page.click('#start-run');
  await page.waitForSelector('#see-results', { timeout: 60_000 });
  const requests = await sandbox.control('/sandbox/requests');
  const sent = requests.map((r) => r.path.toLowerCase());
  for (const u of [keepExact, keepPattern]) assert.ok(!sent.some((p) => p.includes(u.id)), `${u.id} is protected`);
  const removed = (await sandbox.control('/sandbox/audit')).filter((a) => a.action === 'remove').map((a) => a.user).sort();
  assert.deepEqual(removed, rest.map((u) => u.id).sort());

  const kept = await page.evaluate(() => localStorage.getItem('offboard.protected.v1'));
  assert.match(kept, new RegExp(keepExact.id.toUpperCase()), 'the list is kept in the browser');
  assert.deepEqual(problems, []);
});

test('a row left out on the Preview is never requested, is listed with why, and can be put back', async () => {
  await sandbox.control('/sandbox/reset', {});
  const demo = await sandbox.control('/sandbox/demo');
  const tenant = await sandbox.control('/sandbox/tenant');
  const users = pick(tenant, (u) => u.userStatus === 'Disabled' && !u.markDeleted && plain(u), 6);
  const [keep, second, ...rest] = users;
  const { page, problems } = await openPanel(browser, sandbox.url + '/');
  await connect(page, demo);
  await dropFile(page, 'leavers.csv', ['userID', ...users.map((u) => u.id)].join('\n'));
  await page.waitForSelector('#intake-summary');
  await page.click('.step-nav .primary');
  const count = async (key) => Number(await page.locator(`#preview-counts [data-count=${key}] strong`).innerText());
  const toRemove = page.locator('[aria-label="Users that will be removed"]');
  const notProcessed = page.locator('[aria-label="Rows that will not be processed"]');

  // The focus moves once the row has left its list (the list is looked at every 20 ms).
  const focusMovesTo = async (label, why) => {
    await page.waitForFunction((l) => document.activeElement?.getAttribute('aria-label') === l, label, { timeout: 5_000 })
      .catch(() => {});
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('aria-label')), label, why);
  };
  // With the keyboard: the row moves to the other list, and the focus to the row now in its place.
  await page.focus('button[aria-label="Leave row 2 out of the run"]');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => /Will be removed \(5\)/.test(document.body.innerText));
  assert.equal(await page.locator('#row-moved').innerText(), 'Row 2 left out of the run.');
  await focusMovesTo('Leave row 3 out of the run');
  assert.equal(await count('targets'), 5);
  assert.equal(await count('left-out'), 1);
  assert.doesNotMatch(await toRemove.innerText(), new RegExp(keep.id));
  assert.match(await notProcessed.innerText(), new RegExp(`${keep.id}\\s+Put back\\s+left out by you on the Preview`));
  // A second one, put back again: only the first stays out.
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => /Will be removed \(4\)/.test(document.body.innerText));
  await focusMovesTo('Leave row 4 out of the run');
  await page.focus('button[aria-label="Put row 3 back in the run"]');
  await page.keyboard.press('Space');
  await page.waitForFunction(() => /Will be removed \(5\)/.test(document.body.innerText));
  assert.equal(await page.locator('#row-moved').innerText(), 'Row 3 put back in the run.');
  await focusMovesTo('Put row 2 back in the run', 'no row after it: the last one left out');
  assert.match(await toRemove.innerText(), new RegExp(second.id));
  await screenshot(page, 'safeguards-5-left-out');
  assert.deepEqual(await accessibilityProblems(page), [], 'the Preview with its row buttons');

  await page.click('.step-nav .primary');
  assert.match(await page.locator('label[for=confirm-count]').innerText(), /Type 5 to confirm/);
  await page.fill('#confirm-count', '5');
  await page.click('#start-run');
  await page.waitForSelector('#see-results', { timeout: 60_000 });
  const sent = (await sandbox.control('/sandbox/requests')).map((r) => r.path.toLowerCase());
  assert.ok(!sent.some((p) => p.includes(keep.id.toLowerCase())), 'the row left out was never requested');
  const removed = (await sandbox.control('/sandbox/audit')).filter((a) => a.action === 'remove').map((a) => a.user).sort();
  assert.deepEqual(removed, [second, ...rest].map((u) => u.id).sort());
  await page.click('#see-results');
  const results = await downloadResults(page);
  assert.equal(results.size, users.length + 1, 'a line for every row, the header included');
  assert.equal(results.get(2).outcome, 'skipped');
  assert.equal(results.get(2).message, 'left out by you on the Preview');
  assert.deepEqual(problems, []);
});

test('a run whose journal does not fit in the browser storage says so once, stops saving and still ends', async () => {
  await sandbox.control('/sandbox/reset', {});
  const demo = await sandbox.control('/sandbox/demo');
  const tenant = await sandbox.control('/sandbox/tenant');
  const users = pick(tenant, (u) => u.userStatus === 'Disabled' && !u.markDeleted && plain(u), 40);
  const { page, problems } = await openPanel(browser, sandbox.url + '/');
  // Fill the site's storage so that less than 100 characters are left, and count the journal's writes.
  const filled = await page.evaluate(() => {
    let n = 0;
    for (let size = 1 << 20; size >= 100; size >>= 1) {
      const chunk = 'x'.repeat(size);
      try { for (;;) localStorage.setItem(`e2e.filler.${n++}`, chunk); } catch { /* the next, smaller chunk */ }
    }
    const setItem = Storage.prototype.setItem;
    window.journalWrites = 0;
    Storage.prototype.setItem = function (key, value) {
      if (key.startsWith('offboard.journal')) window.journalWrites += 1;
      return setItem.call(this, key, value);
    };
    return Object.keys(localStorage).length;
  });
  assert.ok(filled > 5, 'the storage is full');
  await connect(page, demo);
  await dropFile(page, 'leavers.csv', ['User ID', ...users.map((u) => u.id)].join('\n'));
  await page.waitForSelector('#intake-summary');
  await page.click('.step-nav .primary');
  await page.click('.step-nav .primary');
  await page.fill('#confirm-count', String(users.length));
  await page.click('#start-run');
  await page.waitForSelector('#see-results', { timeout: 60_000 });

  const notes = await page.locator('.notes li').allInnerTexts();
  assert.equal(notes.filter((n) => /does not fit in this browser's storage/.test(n)).length, 1, notes.join('\n'));
  assert.equal(Number(await page.locator('.bar-row[data-outcome=removed] .bar-count').innerText()), users.length);
  // The first save, then once more after forgetting an earlier run's journal; nothing after the refusal.
  assert.ok(await page.evaluate(() => window.journalWrites) <= 2, `${await page.evaluate(() => window.journalWrites)} journal writes`);
  assert.equal(await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('offboard.journal')).length), 0);
  await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('e2e.')).forEach((k) => localStorage.removeItem(k)));
  assert.deepEqual(problems, []);
});
