// The sandbox over HTTPS (`--tls`), as the real vendors serve: Chromium trusts its self-signed certificate by SPKI,
// the panel and its API calls go over HTTP/2, and dropped answers (8 %, after the removal took effect) reset only
// their own stream. The results and the audit log agree, and the browser resent nothing by itself.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dropFile, launchBrowser, openPanel, parseCsv, startSandbox, tlsArgs } from './harness.mjs';

let sandbox, browser;
before(async () => {
  sandbox = await startSandbox(['--tls', '--users', '400', '--latency-ms', '20']);
  browser = await launchBrowser(tlsArgs(sandbox.tls.spki));
});
after(async () => { await browser?.close(); await sandbox?.stop(); });

test('an RSA removal over HTTP/2 with dropped answers agrees with the audit log', async () => {
  assert.match(sandbox.url, /^https:\/\/127\.0\.0\.1:\d+$/);
  assert.match(sandbox.tls.pem, /^-----BEGIN CERTIFICATE-----/);
  const demo = await sandbox.control('/sandbox/demo');
  assert.ok(demo.rsa.adminRestApiUrl.startsWith(sandbox.url));
  const tenant = await sandbox.control('/sandbox/tenant');
  const plain = (u) => !u.markDeleted && !/SCIM/.test(u.identitySource);
  const disabled = tenant.rsa.filter((u) => u.userStatus === 'Disabled' && plain(u)).slice(0, 150);
  const enabled = tenant.rsa.filter((u) => u.userStatus === 'Enabled' && plain(u)).slice(0, 5);
  const ids = [...disabled.map((u) => u.id), ...enabled.map((u) => u.id)];

  const { page, problems } = await openPanel(browser, sandbox.url + '/');
  const pageDeletes = [];
  page.on('request', (r) => { if (r.method() === 'DELETE') pageDeletes.push(r.url()); });
  assert.equal(await page.evaluate(() => performance.getEntriesByType('navigation')[0].nextHopProtocol), 'h2');
  await page.fill('#rsa-base', demo.rsa.adminRestApiUrl);
  await page.fill('#rsa-jwt', demo.rsa.jwt);
  await page.click('#test-connection');
  await page.waitForSelector('#connection-status .success');
  await page.click('.step-nav .primary');
  await dropFile(page, 'leavers.csv', ['User ID', ...ids, ''].join('\n'));
  await page.waitForSelector('#intake-summary');
  await page.click('.step-nav .primary');
  await page.click('.step-nav .primary');
  await page.fill('#confirm-count', String(ids.length));
  await sandbox.control('/sandbox/faults', { dropRate: 0.08, dropAfter: true });
  await page.click('#start-run');
  await page.waitForSelector('#see-results', { timeout: 120_000 });
  const bar = async (id) => Number(await page.locator(`.bar-row[data-outcome=${id}] .bar-count`).innerText());
  assert.equal(await bar('removed'), disabled.length);
  assert.equal(await bar('conflict'), enabled.length);

  // A request whose stream was reset has no protocol in Resource Timing; every other one says h2. The run sends
  // its requests from the panel's worker, so their Resource Timing is the worker's.
  const worker = page.workers().find((w) => new URL(w.url()).pathname.endsWith('/fetch_worker.js'));
  assert.ok(worker, "the run's requests went through the panel's worker");
  const protocols = await worker.evaluate(() => performance.getEntriesByType('resource')
    .filter((e) => e.name.includes('/AdminInterface/')).map((e) => e.nextHopProtocol));
  const answered = protocols.filter((p) => p !== '');
  assert.ok(answered.length >= ids.length, `${answered.length} answered API requests in Resource Timing`);
  assert.deepEqual([...new Set(answered)], ['h2'], 'every API request went over HTTP/2');

  await page.click('#see-results');
  const download = page.waitForEvent('download');
  await page.click('#download');
  const csv = parseCsv(readFileSync(await (await download).path(), 'utf8').replace(/^\uFEFF/, ''));
  const removedInCsv = csv.filter((r) => r.outcome === 'removed').map((r) => r.user.toLowerCase()).sort();
  const audit = (await sandbox.control('/sandbox/audit')).filter((a) => a.action === 'remove').map((a) => a.user);
  assert.deepEqual([...audit].sort(), disabled.map((u) => u.id).sort(), 'exactly the disabled users were removed');
  assert.equal(new Set(audit).size, audit.length, 'nobody removed twice');
  assert.deepEqual(removedInCsv, audit.map((u) => u.toLowerCase()).sort());

  const deletes = (await sandbox.control('/sandbox/requests')).filter((r) => r.method === 'DELETE');
  const dropped = deletes.filter((r) => r.dropped).length;
  assert.ok(dropped > 0, 'some answers were dropped');
  assert.equal(protocols.length - answered.length, dropped, 'each dropped answer failed its own request');
  assert.equal(deletes.length, pageDeletes.length, 'every DELETE the sandbox saw came from the page (no silent resend)');
  assert.deepEqual(problems, []);
});
