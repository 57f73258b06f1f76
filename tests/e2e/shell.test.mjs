// The harness works: Chromium opens the panel served by the sandbox and walks the stepper.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { dropFile, launchBrowser, openPanel, screenshot, startSandbox } from './harness.mjs';

let sandbox, browser;
before(async () => { sandbox = await startSandbox(); browser = await launchBrowser(); });
after(async () => { await browser?.close(); await sandbox?.stop(); });

test('the panel served by the sandbox shows the five-step stepper and follows it', async () => {
  const { page, problems } = await openPanel(browser, sandbox.url + '/');
  const steps = await page.locator('nav.stepper li').allInnerTexts();
  assert.deepEqual(steps.map((s) => s.replace(/\s+/g, ' ').trim()),
    ['1 Connect', '2 CSV', '3 Preview', '4 Run', '5 Results']);
  assert.equal(await page.locator('[aria-current=step]').innerText().then((t) => t.includes('Connect')), true);

  await page.locator('nav.stepper a', { hasText: 'Preview' }).click();
  await page.waitForFunction(() => location.hash === '#/preview');
  assert.match(await page.locator('#step-title').innerText(), /Preview/);

  await page.goBack();
  await page.waitForFunction(() => document.querySelector('#step-title')?.textContent === 'Connect');
  const shot = await screenshot(page, 'shell');
  assert.ok(existsSync(shot));
  assert.deepEqual(problems, []);
});

test('the built panel loads nothing from another origin', async () => {
  const { page, context } = await openPanel(browser, sandbox.url + '/');
  const origins = new Set();
  context.on('request', (r) => origins.add(new URL(r.url()).origin));
  await page.reload();
  await page.waitForSelector('nav.stepper');
  assert.deepEqual([...origins], [new URL(sandbox.url).origin]);
});

test('leaving the CSV step while a large file is read stops that read, and the panel goes on working', async () => {
  const { page, problems } = await openPanel(browser, sandbox.url + '/');
  await page.locator('nav.stepper a', { hasText: 'CSV' }).click();
  const ids = Array.from({ length: 600_000 }, (_, i) => `aaaaaaaa-0000-4000-8000-${String(i).padStart(12, '0')}`);
  await dropFile(page, 'big.csv', ['userID', ...ids].join('\n'));
  await page.waitForSelector('#intake-progress');
  await page.locator('nav.stepper a', { hasText: 'Connect' }).click();
  await page.waitForTimeout(2_000);
  assert.equal(await page.locator('.fatal').count(), 0, await page.locator('.fatal').first().textContent().catch(() => ''));

  await page.locator('nav.stepper a', { hasText: 'CSV' }).click();
  await dropFile(page, 'small.csv', ['userID', ...ids.slice(0, 3)].join('\n'));
  // On a slow machine the large read may have ended before the step was left: its summary shows until this one's.
  await page.waitForSelector('text=Read small.csv');
  assert.match(await page.locator('#intake-summary').innerText(), /Read small\.csv: 4 rows/);
  assert.deepEqual(problems, []);
});

test('a file that mixes UTF-8 and ANSI is read with a warning naming the line where the encodings part', async () => {
  const { page, problems } = await openPanel(browser, sandbox.url + '/');
  await page.locator('nav.stepper a', { hasText: 'CSV' }).click();
  await dropFile(page, 'mixed.csv', Buffer.from('User Login,Name\nzo\xC3\xABl,Zoe\nren\xE9e,Renee\n', 'latin1'));
  await page.waitForSelector('#intake-summary');
  assert.match(await page.locator('#intake-summary').innerText(), /ANSI \(Windows-1252\)/);
  assert.match(await page.locator('#intake-encoding').innerText(), /before line 3/);
  await dropFile(page, 'ansi.csv', Buffer.from('User Login,Name\nren\xE9e,Renee\n', 'latin1'));
  await page.waitForSelector('text=Read ansi.csv');
  assert.equal(await page.locator('#intake-encoding').count(), 0, 'a file all in ANSI gets no warning');
  assert.deepEqual(problems, []);
});

test('a big file is searched a slice at a time, and both lists show what the search found', async () => {
  const { page, problems } = await openPanel(browser, sandbox.url + '/');
  await page.check('#target-epm');
  await page.locator('nav.stepper a', { hasText: 'CSV' }).click();
  const logins = Array.from({ length: 60_000 }, (_, i) => `user${i}@example.com`);
  await dropFile(page, 'big.csv', ['User Login', ...logins, 'USER777@example.com'].join('\n'));
  await page.waitForSelector('#intake-summary');
  await page.click('.step-nav .primary');
  await page.waitForSelector('.vlist .vrow');
  const rowcount = (label) => page.locator(`[aria-label="${label}"]`).getAttribute('aria-rowcount');
  assert.equal(await rowcount('Users that will be removed'), '60001', '60,000 users and the headings');
  await page.evaluate(() => {
    window.sawSearching = false;
    new MutationObserver(() => { window.sawSearching ||= document.getElementById('searching') !== null; })
      .observe(document.body, { childList: true, subtree: true });
  });
  await page.fill('#search', 'USER777@');
  await page.waitForFunction(() =>
    document.querySelector('[aria-label="Rows that will not be processed"]')?.getAttribute('aria-rowcount') === '2');
  assert.equal(await rowcount('Users that will be removed'), '2', 'the user, in any case');
  assert.match(await page.locator('[aria-label="Users that will be removed"] .vrow').first().innerText(), /^779\s+user777@example\.com/);
  assert.match(await page.locator('[aria-label="Rows that will not be processed"] .vrow').first().innerText(),
    /^60002\s+USER777@example\.com\s+duplicate of row 779/);
  assert.ok(await page.evaluate(() => window.sawSearching), 'the page said it was searching');
  assert.equal(await page.locator('#searching').count(), 0, 'and stopped saying so once done');
  await page.fill('#search', '');
  await page.waitForFunction(() =>
    document.querySelector('[aria-label="Users that will be removed"]')?.getAttribute('aria-rowcount') === '60001');
  assert.deepEqual(problems, []);
});

/** The Preview's count of `key` (0 when it is not shown). */
async function previewCount(page, key) {
  const count = page.locator(`#preview-counts [data-count=${key}] strong`);
  return (await count.count()) ? Number(await count.innerText()) : 0;
}

test('a first row read as a header says why, and the admin can make it a user again', async () => {
  const { page, problems } = await openPanel(browser, sandbox.url + '/');
  await page.check('#target-epm');
  await page.locator('nav.stepper a', { hasText: 'CSV' }).click();
  await dropFile(page, 'leavers.csv', 'kmartin\ntomas.patel@example.com\nraj.fernandez@example.com\n');
  await page.waitForSelector('#intake-summary');
  await page.click('.step-nav .primary');
  await page.waitForSelector('#header-row');
  assert.equal(await previewCount(page, 'header'), 1);
  assert.match(await page.locator('#header-guess').innerText(), /Row 1 \(kmartin\) is read as the header/);
  await page.uncheck('#header-row');
  await page.waitForFunction(() => !document.querySelector('[data-count=header]'));
  assert.equal(await previewCount(page, 'targets'), 3, 'kmartin is a user to remove');
  assert.match(await page.locator('[aria-label="Users that will be removed"] .vrow').first().innerText(), /^1\s+kmartin/);
  assert.equal(await page.locator('#header-guess').count(), 0);

  // An RSA user ID with a typo on the first line is never taken for a header: it is an invalid row.
  await page.locator('nav.stepper a', { hasText: 'Connect' }).click();
  await page.check('#target-rsa');
  await page.locator('nav.stepper a', { hasText: 'CSV' }).click();
  const typo = '3f2a1b4c-5d6e-4f70-8a9b-0c1d2e3f4a5';
  await dropFile(page, 'ids.csv', `${typo}\n9e8d7c6b-5a49-4838-a726-15f4e3d2c1b0\n1e8d7c6b-5a49-4838-a726-15f4e3d2c1b0\n`);
  await page.waitForSelector('text=Read ids.csv');
  await page.click('.step-nav .primary');
  await page.waitForSelector('#header-row');
  assert.equal(await page.locator('#header-row').isChecked(), false);
  assert.equal(await previewCount(page, 'header'), 0);
  assert.match(await page.locator('[aria-label="Rows that will not be processed"] .vrow').first().innerText(),
    /^1\s+3f2a1b4c\S+\s+invalid: not a user ID/);
  assert.deepEqual(problems, []);
});

test('a list on one line is one user per value; a drop of several files reads none, one of text reads it', async () => {
  const { page, problems } = await openPanel(browser, sandbox.url + '/');
  await page.locator('nav.stepper a', { hasText: 'CSV' }).click();
  const ids = ['3f2a1b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b', '9e8d7c6b-5a49-4838-a726-15f4e3d2c1b0',
    '1e8d7c6b-5a49-4838-a726-15f4e3d2c1b0'];
  await page.fill('#paste', ids.join(', '));
  await page.click('#use-paste');
  await page.waitForSelector('#intake-summary');
  assert.match(await page.locator('#intake-summary').innerText(),
    /^Read pasted text: 3 rows, .*one line of values separated by commas, read one per row\. 3 to remove/);
  await page.click('.step-nav .primary');
  await page.waitForSelector('#one-line-list');
  assert.equal(await previewCount(page, 'targets'), 3);
  assert.match(await page.locator('[aria-label="Users that will be removed"] .vrow').nth(2).innerText(), /^3\s+1e8d7c6b/);

  // Under a title line too (a list copied from a ticket, under its heading); a trailing comma adds no row.
  await page.locator('nav.stepper a', { hasText: 'CSV' }).click();
  await page.fill('#paste', `User ID\n${ids.join(', ')},`);
  await page.click('#use-paste');
  await page.waitForSelector('text=Read pasted text: 4 rows');
  assert.match(await page.locator('#intake-summary').innerText(), /read one per row\. 3 to remove, 1 not processed\./);

  // A line of a list holding two users is not read whole, and the Preview says so.
  await page.locator('nav.stepper a', { hasText: 'CSV' }).click();
  await dropFile(page, 'ragged.csv', `User ID\n${ids[0]}\n${ids[1]}, ${ids[2]}\n`);
  await page.waitForSelector('text=Read ragged.csv');
  await page.click('.step-nav .primary');
  assert.match(await page.locator('#identifiers-beside').innerText(), /^Row 3 holds another user ID or address beside/);

  // A lone row of words is one user's details: it stays a row, and the Preview says only one value is read.
  await page.locator('nav.stepper a', { hasText: 'CSV' }).click();
  await dropFile(page, 'one.csv', `${ids[0]},John,Doe\n`);
  await page.waitForSelector('text=Read one.csv: 1 row,');
  await page.click('.step-nav .primary');
  assert.match(await page.locator('#side-by-side').innerText(), /Row 1 holds 3 values side by side, the only row of values/);

  await page.locator('nav.stepper a', { hasText: 'CSV' }).click();
  await page.locator('.dropzone').evaluate((zone) => {
    const dt = new DataTransfer();
    dt.items.add(new File(['userID\n'], 'part1.csv', { type: 'text/csv' }));
    dt.items.add(new File(['userID\n'], 'part2.csv', { type: 'text/csv' }));
    zone.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
  });
  assert.equal(await page.locator('.error[role=alert]').innerText(),
    '2 files were dropped (part1.csv, part2.csv): drop one file at a time. None of them was read.');
  assert.equal(await page.locator('#intake-summary').count(), 0, 'the list read before is no longer the one taken in');
  await page.locator('.dropzone').evaluate((zone, text) => {
    const dt = new DataTransfer();
    dt.setData('text/plain', text);
    zone.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
  }, ids.slice(0, 2).join('\n'));
  await page.waitForSelector('text=Read dropped text: 2 rows');
  assert.equal(await page.inputValue('#paste'), ids.slice(0, 2).join('\n'), 'the dropped text is in the paste box');
  assert.deepEqual(problems, []);
});
