// Keyboard only: an RSA removal from connect to results with Tab, typing, Space and Enter; the focused
// control always shows a visible outline, and progress is announced through a live region.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser, openPanel, startSandbox } from './harness.mjs';

let sandbox, browser;
before(async () => { sandbox = await startSandbox(['--users', '200']); browser = await launchBrowser(); });
after(async () => { await browser?.close(); await sandbox?.stop(); });

/** Presses Tab until `selector` has the focus (at most 80 times), checking the focus is visible. */
async function tabTo(page, selector) {
  for (let i = 0; i < 80; i++) {
    await page.keyboard.press('Tab');
    const found = await page.evaluate((sel) => {
      const el = document.activeElement;
      if (!el || !el.matches(sel)) return null;
      const style = getComputedStyle(el);
      return { outline: style.outlineStyle, width: parseFloat(style.outlineWidth) };
    }, selector);
    if (found) {
      assert.ok(found.outline !== 'none' && found.width >= 2, `${selector} shows where the focus is`);
      return;
    }
  }
  throw new Error(`Tab never reached ${selector}`);
}

test('a removal can be done with the keyboard alone', async () => {
  const demo = await sandbox.control('/sandbox/demo');
  const tenant = await sandbox.control('/sandbox/tenant');
  const users = tenant.rsa.filter((u) => u.userStatus === 'Disabled' && !u.markDeleted && !/SCIM|Azure/.test(u.identitySource)).slice(0, 6);
  const { page, problems } = await openPanel(browser, sandbox.url + '/');

  await tabTo(page, '#rsa-base');
  await page.keyboard.type(demo.rsa.adminRestApiUrl);
  await tabTo(page, '#rsa-jwt');
  await page.keyboard.insertText(demo.rsa.jwt);
  await tabTo(page, '#test-connection');
  await page.keyboard.press('Enter');
  await page.waitForSelector('#connection-status .success');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'test-connection', 'the focus stays on the button it pressed');
  await tabTo(page, '.step-nav .primary');
  await page.keyboard.press('Enter');

  await page.waitForSelector('#paste');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'step-title', 'the focus moves to the new step');
  assert.equal(await page.locator('#step-title').innerText(), 'CSV');
  await tabTo(page, '#paste');
  await page.keyboard.insertText(['userID', ...users.map((u) => u.id)].join('\n'));
  await tabTo(page, '#use-paste');
  await page.keyboard.press('Enter');
  await page.waitForSelector('#intake-summary');
  await tabTo(page, '.step-nav .primary');
  await page.keyboard.press('Enter');

  await page.waitForSelector('#preview-counts');
  await tabTo(page, '.step-nav .primary');
  await page.keyboard.press('Space');
  await tabTo(page, '#confirm-count');
  await page.keyboard.type(String(users.length));
  await tabTo(page, '#start-run');
  await page.keyboard.press('Enter');

  await page.waitForSelector('#see-results', { timeout: 60_000 });
  assert.equal(await page.locator('#run-status').getAttribute('aria-live'), 'polite', 'progress is announced');
  assert.match(await page.locator('#run-status').innerText(), new RegExp(`${users.length} of ${users.length}`));
  await tabTo(page, '#see-results');
  await page.keyboard.press('Enter');
  await page.waitForSelector('#results-summary');
  assert.match(await page.locator('#results-summary').innerText(), new RegExp(`${users.length} removed`));
  assert.deepEqual(problems, []);
});
