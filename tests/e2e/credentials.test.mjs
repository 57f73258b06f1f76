// Credentials: the key file mints tokens in the page; a credential revoked mid-run pauses the run with
// its queue intact, and a new one resumes it without losing or repeating anybody; a newer tenant's OAuth 2.0
// access token is taken as the JWT is.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { dropFile, launchBrowser, openPanel, planRows, screenshot, startSandbox } from './harness.mjs';

let sandbox, browser;
before(async () => { sandbox = await startSandbox(['--users', '300']); browser = await launchBrowser(); });
after(async () => { await browser?.close(); await sandbox?.stop(); });

/**
 * Everything the page could have kept: local and session storage, every IndexedDB store, Cache Storage, cookies
 * (page and browser context), the history state and the URL.
 */
async function persisted(page) {
  const inPage = await page.evaluate(async () => {
    const dump = [JSON.stringify({ ...localStorage }), JSON.stringify({ ...sessionStorage }), document.cookie,
      location.href, JSON.stringify(history.state)];
    for (const { name } of await indexedDB.databases()) {
      const db = await new Promise((ok, fail) => Object.assign(indexedDB.open(name), { onsuccess: (e) => ok(e.target.result), onerror: fail }));
      for (const store of db.objectStoreNames) {
        const all = db.transaction(store).objectStore(store).getAll();
        dump.push(name, store, JSON.stringify(await new Promise((ok, fail) => Object.assign(all, { onsuccess: () => ok(all.result), onerror: fail }))));
      }
      db.close();
    }
    for (const key of await caches.keys()) dump.push(key, ...(await (await caches.open(key)).keys()).map((r) => r.url));
    return dump.join('\n');
  });
  return inPage + JSON.stringify(await page.context().cookies());
}

test('a key file mints the token; a revoked credential pauses the run until a new one is given', async () => {
  const demo = await sandbox.control('/sandbox/demo');
  const tenant = await sandbox.control('/sandbox/tenant');
  const users = tenant.rsa.filter((u) => u.userStatus === 'Disabled' && !u.markDeleted && !/SCIM/.test(u.identitySource))
    .slice(0, 40);
  const { page, problems } = await openPanel(browser, sandbox.url + '/');

  await page.setInputFiles('#rsa-key-file', demo.rsa.keyFilePath);
  await page.waitForSelector('#key-file-status.success');
  assert.equal(await page.inputValue('#rsa-base'), demo.rsa.adminRestApiUrl);
  assert.match(await page.locator('#jwt-info').innerText(), new RegExp(demo.rsa.accessId));
  await page.click('#test-connection');
  await page.waitForSelector('#connection-status .success');
  const keyBody = JSON.parse(readFileSync(demo.rsa.keyFilePath, 'utf8')).accessKey.replace(/-----[^-]+-----|\s/g, '').slice(100, 160);
  const stored = await persisted(page);
  assert.ok(!stored.includes('PRIVATE KEY') && !stored.includes(keyBody) && !stored.includes('eyJ'),
    'no key or token in storage, IndexedDB, caches, cookies or the URL');

  await page.click('.step-nav .primary');
  await dropFile(page, 'leavers.csv', ['userID', ...users.map((u) => u.id)].join('\n'));
  await page.waitForSelector('#intake-summary');
  await page.click('.step-nav .primary');
  await page.click('.step-nav .primary');
  await page.fill('#confirm-count', String(users.length));
  await sandbox.control('/sandbox/faults', { latencyMs: 250 });
  await page.click('#start-run');

  await page.waitForFunction(() => Number(document.querySelector('.bar-row[data-outcome=removed] .bar-count')?.textContent) >= 5);
  await page.click('#pause');
  assert.match(await page.locator('#run-status').innerText(), /^Paused\./, 'the status says the run is paused');
  await sandbox.control('/sandbox/faults', { revokeCredentials: true });
  // A double click on Resume resumes: its second click does not land on the Pause button that replaced it.
  await page.dblclick('#resume');
  await page.waitForSelector('#credential-refused', { timeout: 30_000 });
  assert.match(await page.locator('#run-status').innerText(), /credential was refused/);
  // The token refused had just been made from the key file: making another will not help, and the run says why.
  await page.waitForFunction(() => /refused a token the panel had just made from the key file/.test(
    document.querySelector('ul.notes')?.textContent), null, { timeout: 10_000 });
  await screenshot(page, 'credential-refused');
  const doneWhilePaused = Number(await page.locator('.bar-row[data-outcome=removed] .bar-count').innerText());
  assert.ok(doneWhilePaused < users.length, 'the run paused before the end');
  // The results page, opened while the run waits, lists the outcomes so far (it redraws at most once a second).
  await page.locator('nav.stepper a', { hasText: 'Results' }).click();
  await page.waitForFunction((n) => document.querySelector('#results-summary')?.textContent.includes(`${n} removed`),
    doneWhilePaused, { timeout: 5_000 });
  assert.match(await page.locator('#results-partial').innerText(),
    new RegExp(`^The run is still going: this page shows the ${doneWhilePaused} users with an outcome so far, of ${users.length} `));
  assert.equal(await page.locator('#download').innerText(), 'Download results so far (CSV)');
  // What the run was planned with cannot change under it.
  await page.locator('nav.stepper a', { hasText: 'Connect' }).click();
  await page.waitForSelector('#locked-while-running');
  assert.ok(await page.locator('#own-account').isDisabled(), 'the own account is locked while the run is active');
  assert.ok(await page.locator('#target-epm').isDisabled(), 'the target is locked while the run is active');
  await page.locator('nav.stepper a', { hasText: 'Run' }).click();

  // A pasted text that is no usable token is refused on the spot, with the reason; the run stays paused.
  await page.fill('#new-credential', 'garbage');
  await page.click('#credential-refused button.primary');
  assert.match(await page.locator('#new-credential-problem').innerText(), /^Not resumed: /);
  assert.match(await page.locator('#run-status').innerText(), /credential was refused/);
  // The key file's tokens were refused: the admin has it make a new one, issued after the revocation.
  await page.click('#resume-with-key-file');
  await page.waitForSelector('#see-results', { timeout: 60_000 });
  assert.equal(await page.locator('.bar-row[data-outcome=removed] .bar-count').innerText(), String(users.length));
  assert.equal(await page.locator('.bar-row[data-outcome=failed] .bar-count').innerText(), '0');
  await page.click('#see-results');
  assert.match(await page.locator('#results-summary').innerText(), new RegExp(`: ${users.length} removed`));

  const storedAfter = await persisted(page);
  assert.ok(!storedAfter.includes('PRIVATE KEY') && !storedAfter.includes(keyBody) && !storedAfter.includes('eyJ'),
    'no key or token stored after the run');
  const audit = (await sandbox.control('/sandbox/audit')).filter((a) => a.action === 'remove');
  assert.deepEqual(audit.map((a) => a.user).sort(), users.map((u) => u.id).sort());
  const requests = (await sandbox.control('/sandbox/requests')).filter((r) => r.method === 'DELETE');
  assert.ok(requests.some((r) => r.status === 403), 'the revocation was hit');
  const okPerPath = new Map();
  for (const r of requests.filter((r) => r.status === 200)) okPerPath.set(r.path, (okPerPath.get(r.path) ?? 0) + 1);
  assert.ok([...okPerPath.values()].every((n) => n === 1));
  const afterSuccess = requests.filter((r, i) => requests.slice(0, i).some((p) => p.path === r.path && p.status === 200));
  assert.deepEqual(afterSuccess, [], 'no DELETE after a user was removed');
  assert.deepEqual(problems, []);
});

test("a newer tenant's OAuth 2.0 access token is taken, checked only for its expiry, and removes users", async () => {
  const demo = await sandbox.control('/sandbox/demo');
  const tenant = await sandbox.control('/sandbox/tenant');
  const gone = new Set((await sandbox.control('/sandbox/audit')).map((a) => a.user));
  const users = tenant.rsa.filter((u) => u.userStatus === 'Disabled' && !u.markDeleted && !/SCIM/.test(u.identitySource) &&
    !gone.has(u.id)).slice(0, 10);
  assert.equal(users.length, 10);
  const { page, problems } = await openPanel(browser, sandbox.url + '/');
  await page.fill('#rsa-base', demo.rsa.adminRestApiUrl);
  await page.fill('#rsa-jwt', demo.rsa.oauthToken);
  assert.match(await page.locator('#jwt-info').innerText(), /Subject \(sub\)\s+offboard-demo-client/);
  assert.deepEqual(await page.locator('ul.problems li.error').allInnerTexts(), [], 'two hours of life do not block it');
  assert.match((await page.locator('ul.problems li.warning').allInnerTexts()).join('\n'),
    /^This looks like an OAuth 2\.0 access token \(audience: cloud-administration-api\), not a token made from an API key/);
  await page.click('#test-connection');
  await page.waitForSelector('#connection-status .success');

  await planRows(page, 'userID', users.map((u) => u.id));
  await page.fill('#confirm-count', String(users.length));
  await page.click('#start-run');
  await page.waitForSelector('#see-results', { timeout: 60_000 });
  assert.equal(await page.locator('.bar-row[data-outcome=removed] .bar-count').innerText(), String(users.length));
  const removed = (await sandbox.control('/sandbox/audit')).filter((a) => !gone.has(a.user)).map((a) => a.user);
  assert.deepEqual(removed.sort(), users.map((u) => u.id).sort());
  assert.deepEqual(problems, []);
});

test('an address whose server answers 404 to everything, credential or not, is not taken for the API', async () => {
  // A gateway or proxy path leading elsewhere, answering JSON 404s (with CORS) to every request.
  const received = [];
  const gateway = http.createServer((req, res) => {
    if (req.method !== 'OPTIONS') received.push(`${req.method} ${req.url}`);
    res.setHeader('Access-Control-Allow-Origin', '*');
    res.setHeader('Access-Control-Allow-Headers', 'Authorization, Content-Type, Accept');
    res.setHeader('Access-Control-Allow-Methods', 'GET, POST, DELETE, OPTIONS');
    if (req.method === 'OPTIONS') { res.writeHead(204); res.end(); return; }
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end('{"message":"Not Found"}');
  });
  await new Promise((ok) => gateway.listen(0, '127.0.0.1', ok));
  try {
    const base = `http://127.0.0.1:${gateway.address().port}/AdminInterface/restapi/v1`;
    const { jwt } = await sandbox.control('/sandbox/token', { aud: base });
    const { page, problems } = await openPanel(browser, sandbox.url + '/');
    await page.fill('#rsa-base', base);
    await page.fill('#rsa-jwt', jwt);
    await page.click('#test-connection');
    await page.waitForSelector('#connection-status .error');
    const said = await page.locator('#connection-status').innerText();
    assert.match(said, /did not check the credential/);
    assert.match(said, /HTTP 404 to a lookup sent without any credential/);
    // Taken on regardless, a run there sends no removal: every user is "not started", saying why.
    const tenant = await sandbox.control('/sandbox/tenant');
    const users = tenant.rsa.filter((u) => u.userStatus === 'Disabled' && !u.markDeleted).slice(0, 3);
    await planRows(page, 'userID', users.map((u) => u.id));
    await page.fill('#confirm-count', String(users.length));
    await page.click('#start-run');
    await page.waitForSelector('#see-results', { timeout: 60_000 });
    assert.equal(await page.locator('.bar-row[data-outcome=not-started] .bar-count').innerText(), String(users.length));
    assert.match(await page.locator('ul.notes').innerText(), /^Nobody was sent: /);
    assert.deepEqual(received.filter((r) => !r.startsWith('POST /AdminInterface/restapi/v1/users/lookup')), [],
      'no removal reached the gateway');
    await page.locator('nav.stepper a', { hasText: 'Connect' }).click();
    // The real API (the sandbox) refuses the lookup without a credential: it connects.
    const demo = await sandbox.control('/sandbox/demo');
    await page.fill('#rsa-base', demo.rsa.adminRestApiUrl);
    await page.fill('#rsa-jwt', demo.rsa.jwt);
    await page.click('#test-connection');
    await page.waitForSelector('#connection-status .success');
    assert.deepEqual(problems, []);
  } finally {
    gateway.close();
  }
});
