// The deployment of deploy/nginx.conf.template, end to end: Debian's nginx, run unprivileged from a temporary
// prefix, serves the built panel with its Content-Security-Policy and forwards /rsa/ and /epm/ to the sandbox,
// which sends no CORS headers (like the real vendors). Chromium opens the panel through nginx and removes users
// on both targets; any CSP violation fails the test. Then the same panel served by the sandbox and pointed at
// another origin explains CORS.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cspFor } from '../../scripts/csp.mjs';
import { exampleConfig, EXAMPLE, render, TEMPLATE, valuesFor } from '../../deploy/render.mjs';
import { DIST, dropFile, launchBrowser, screenshot, startSandbox } from './harness.mjs';

const NGINX = ['/usr/sbin/nginx', '/usr/bin/nginx'].find(existsSync);
const MiB = 1024 * 1024;

let sandbox, nginx, browser;
before(async () => {
  assert.ok(NGINX, "nginx is not installed: scripts/setup.sh --with-browser installs Debian's nginx");
  sandbox = await startSandbox(['--no-cors', '--users', '300', '--epm-users-per-sec', '0']);
  nginx = await startNginx(sandbox.url);
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await nginx?.stop();
  await sandbox?.stop();
});

/** A free TCP port on 127.0.0.1 (nginx cannot listen on port 0 and say which port it got). */
function freePort() {
  return new Promise((ok, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => ok(port));
    });
  });
}

/**
 * Renders the template for this build and `upstream`, wraps it in a minimal nginx.conf whose pid, logs and
 * temporary files live in a temporary prefix, and runs nginx in the foreground (`daemon off`). As root it
 * runs as `nobody`, so nothing it does needs privileges. Resolves once it answers.
 */
async function startNginx(upstream) {
  const prefix = mkdtempSync(join(tmpdir(), 'offboard-nginx-'));
  const port = await freePort();
  const site = render(readFileSync(TEMPLATE, 'utf8'), valuesFor({
    dist: DIST, listen: `127.0.0.1:${port}`, serverName: 'localhost', rsaUpstream: upstream, epmUpstream: upstream,
  }, {}));
  writeFileSync(join(prefix, 'offboard.conf'), site);
  writeFileSync(join(prefix, 'nginx.conf'), `
daemon off;
worker_processes 1;
pid ${prefix}/nginx.pid;
error_log ${prefix}/error.log warn;
events { worker_connections 256; }
http {
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log ${prefix}/access.log;
    client_body_temp_path ${prefix}/body;
    proxy_temp_path ${prefix}/proxy;
    fastcgi_temp_path ${prefix}/fastcgi;
    uwsgi_temp_path ${prefix}/uwsgi;
    scgi_temp_path ${prefix}/scgi;
    include ${prefix}/offboard.conf;
}
`);
  const ids = {};
  if (process.getuid?.() === 0) {
    ids.uid = Number(execFileSync('id', ['-u', 'nobody'], { encoding: 'utf8' }));
    ids.gid = Number(execFileSync('id', ['-g', 'nobody'], { encoding: 'utf8' }));
    chownSync(prefix, ids.uid, ids.gid);
  }
  const args = ['-p', prefix, '-c', join(prefix, 'nginx.conf'), '-e', join(prefix, 'error.log')];
  execFileSync(NGINX, [...args, '-t', '-q'], { ...ids, stdio: 'inherit' });
  const proc = spawn(NGINX, args, { ...ids, stdio: ['ignore', 'inherit', 'inherit'] });
  const errorLog = () => (existsSync(join(prefix, 'error.log')) ? readFileSync(join(prefix, 'error.log'), 'utf8') : '');
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`nginx exited with ${proc.exitCode}:\n${errorLog()}`);
    try {
      if ((await fetch(url + '/')).ok) break;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) throw new Error(`nginx did not answer on ${url} within 15 s:\n${errorLog()}`);
    await new Promise((ok) => setTimeout(ok, 50));
  }
  return {
    url,
    site,
    pid: proc.pid,
    errorLog,
    async stop() {
      proc.kill('SIGQUIT');
      await new Promise((ok) => (proc.exitCode !== null ? ok() : proc.once('exit', ok)));
      rmSync(prefix, { recursive: true, force: true });
    },
  };
}

/**
 * Opens the panel at `url` in a fresh context that records, from before the first script runs, every CSP
 * violation (the `securitypolicyviolation` event and the browser's "Refused to …" console errors), page errors
 * and console errors. `allowConsole` matches console errors that are expected.
 */
async function openWatched(url, { allowConsole = /^Failed to load resource/ } = {}) {
  const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1280, height: 900 } });
  await context.addInitScript(() => {
    window.__cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__cspViolations.push(`${e.effectiveDirective} blocked ${e.blockedURI || 'inline'} (${e.sourceFile}:${e.lineNumber})`);
    }, true);
  });
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && (/Content Security Policy/.test(m.text()) || !allowConsole.test(m.text()))) {
      problems.push(`console error: ${m.text()}`);
    }
  });
  const response = await page.goto(url);
  const check = async () => [...problems, ...(await page.evaluate(() => window.__cspViolations))];
  try {
    await page.waitForSelector('nav.stepper', { timeout: 15_000 });
  } catch (e) {
    throw new Error(`the panel did not start: ${e.message}\n${(await check()).join('\n')}`);
  }
  return { page, context, response, check };
}

/** Headers of an answer, less those that describe the connection rather than the answer. */
function answerHeaders(res) {
  const hop = new Set(['connection', 'keep-alive', 'transfer-encoding', 'date', 'server']);
  return Object.fromEntries([...res.headers].filter(([name]) => !hop.has(name)));
}

test('deploy/nginx.conf is the template rendered with the example values', () => {
  assert.equal(readFileSync(EXAMPLE, 'utf8'), exampleConfig(), 'run: node deploy/render.mjs --example > deploy/nginx.conf');
});

test('nginx serves the panel with its CSP, security headers and caching rules', async () => {
  const csp = cspFor(readFileSync(join(DIST, 'index.html'), 'utf8'));
  assert.doesNotMatch(csp, /script-src[^;]*'unsafe-inline'/);
  for (const path of ['/', '/index.html']) {
    const res = await fetch(nginx.url + path);
    assert.equal(res.status, 200, path);
    assert.equal(res.headers.get('content-security-policy'), csp, path);
    assert.equal(res.headers.get('cache-control'), 'no-store', path);
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff', path);
    assert.equal(res.headers.get('referrer-policy'), 'no-referrer', path);
    assert.equal(res.headers.get('x-frame-options'), 'DENY', path);
  }
  const index = await (await fetch(nginx.url + '/')).text();
  const assets = [...index.matchAll(/(?:href=|module_or_path: )["']\.\/([^"']+)["']/g)].map((m) => m[1]);
  const wasm = assets.find((a) => a.endsWith('.wasm'));
  assert.ok(wasm && assets.some((a) => a.endsWith('.js')) && assets.some((a) => a.endsWith('.css')), assets.join());
  for (const asset of new Set(assets)) {
    const res = await fetch(`${nginx.url}/${asset}`);
    assert.equal(res.status, 200, asset);
    assert.equal(res.headers.get('cache-control'), 'public, max-age=31536000, immutable', asset);
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff', asset);
  }
  assert.equal((await fetch(`${nginx.url}/${wasm}`)).headers.get('content-type'), 'application/wasm');
  const worker = await fetch(`${nginx.url}/fetch_worker.js?format=2`);
  assert.equal(worker.status, 200);
  assert.match(worker.headers.get('content-type'), /javascript/);
  assert.equal(worker.headers.get('cache-control'), 'no-store', 'the request worker, without a hash in its name, is never cached');
  assert.equal((await fetch(nginx.url + '/', { method: 'POST', body: 'x' })).status, 403, 'the panel is read-only');
  const uid = Number(/^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${nginx.pid}/status`, 'utf8'))[1]);
  assert.notEqual(uid, 0, 'nginx runs unprivileged');
  assert.equal((await fetch(nginx.url + '/_headers')).status, 404);
});

test('the proxy passes methods, bodies, statuses and headers (Retry-After) unchanged, and streams 50 MiB uploads',
  async () => {
    const demo = await sandbox.control('/sandbox/demo');
    const tenant = await sandbox.control('/sandbox/tenant');
    const rsa = (base) => `${base}/AdminInterface/restapi/v1`;
    const bearer = { authorization: `Bearer ${demo.rsa.jwt}` };
    const json = { ...bearer, 'content-type': 'application/json' };
    const enabled = tenant.rsa.filter((u) => u.userStatus === 'Enabled' && !u.markDeleted && !/SCIM/.test(u.identitySource));

    // The same refusals, direct and through nginx: status, body and headers alike.
    for (const [method, path, body] of [
      ['DELETE', '/users/00000000-0000-4000-8000-00000000dead'],
      ['DELETE', `/users/${enabled[0].id}`],
      ['POST', '/users/lookup', JSON.stringify({ email: 'nobody@example.com', searchUnsynched: false })],
    ]) {
      const direct = await fetch(rsa(sandbox.url) + path, { method, headers: json, body });
      const proxied = await fetch(rsa(nginx.url + '/rsa') + path, { method, headers: json, body });
      assert.equal(proxied.status, direct.status, `${method} ${path}`);
      assert.equal(await proxied.text(), await direct.text(), `${method} ${path}`);
      assert.deepEqual(answerHeaders(proxied), answerHeaders(direct), `${method} ${path}`);
    }

    // PUT, POST and DELETE take effect through the proxy: disable an enabled user, then remove them.
    const user = enabled[1];
    const put = await fetch(`${rsa(nginx.url + '/rsa')}/users/${user.id}/userStatus`, {
      method: 'PUT', headers: json, body: JSON.stringify({ userStatus: 'Disabled' }),
    });
    assert.equal(put.status, 200, await put.text());
    const lookup = await fetch(`${rsa(nginx.url + '/rsa')}/users/lookup`, {
      method: 'POST', headers: json, body: JSON.stringify({ email: user.emailAddress, searchUnsynched: false }),
    });
    assert.equal((await lookup.json()).userStatus, 'Disabled');
    const del = await fetch(`${rsa(nginx.url + '/rsa')}/users/${user.id}`, { method: 'DELETE', headers: bearer });
    assert.equal(del.status, 200, await del.text());
    const audit = (await sandbox.control('/sandbox/audit')).filter((a) => a.user === user.id).map((a) => `${a.via}:${a.action}`);
    assert.deepEqual(audit, ['user-status:disable', 'delete-user-now:remove']);

    // A 429 storm: the status, the JSON body and Retry-After reach the page as the service sent them.
    await sandbox.control('/sandbox/faults', { storm429Secs: 30 });
    try {
      const direct = await fetch(`${rsa(sandbox.url)}/users/${enabled[2].id}`, { method: 'DELETE', headers: bearer });
      const proxied = await fetch(`${rsa(nginx.url + '/rsa')}/users/${enabled[2].id}`, { method: 'DELETE', headers: bearer });
      assert.equal(proxied.status, 429);
      assert.ok(Number(proxied.headers.get('retry-after')) > 0, 'Retry-After is passed');
      assert.equal(proxied.headers.get('retry-after'), direct.headers.get('retry-after'));
      assert.equal(await proxied.text(), await direct.text());
    } finally {
      await sandbox.control('/sandbox/faults', { storm429Secs: 0 });
    }

    // EPM: a full 50 MiB chunk streams through /epm/ and is stored; one byte more is refused by the service
    // (its 413 and JSON body), not by nginx.
    const basic = { authorization: 'Basic ' + Buffer.from(`${demo.epm.user}:${demo.epm.password}`).toString('base64') };
    const upload = (name, bytes) => fetch(
      `${nginx.url}/epm/interop/rest/11.1.2.3.600/applicationsnapshots/${name}/contents?q=` +
        encodeURIComponent(JSON.stringify({ isFirst: true, isLast: true, chunkSize: bytes.length })),
      { method: 'POST', headers: { ...basic, 'content-type': 'application/octet-stream' }, body: bytes });
    const big = Buffer.alloc(50 * MiB, 'x');
    big.write('User Login\n');
    const started = performance.now();
    const ok = await upload('offboard-nginx-50mib.csv', big);
    const seconds = (performance.now() - started) / 1000;
    assert.equal(ok.status, 200, await ok.text());
    console.log(`# 50 MiB chunk through nginx in ${seconds.toFixed(2)} s`);
    const tooBig = await upload('offboard-nginx-too-big.csv', Buffer.alloc(50 * MiB + 1, 'x'));
    assert.equal(tooBig.status, 413);
    assert.equal((await tooBig.json()).status, 1, 'the service answered, not nginx');
    const removed = await fetch(`${nginx.url}/epm/interop/rest/11.1.2.3.600/applicationsnapshots/offboard-nginx-50mib.csv`,
      { method: 'DELETE', headers: basic });
    assert.equal(removed.status, 200);

    const seen = (await sandbox.control('/sandbox/requests')).map((r) => `${r.method} ${r.path}`);
    assert.ok(seen.includes(`PUT /AdminInterface/restapi/v1/users/${user.id}/userStatus`), 'the /rsa prefix is removed');
    assert.ok(seen.includes('DELETE /interop/rest/11.1.2.3.600/applicationsnapshots/offboard-nginx-50mib.csv'));
    const logged = nginx.errorLog().split('\n').filter((l) => !/access forbidden by rule.*"POST \/ /.test(l)).join('\n');
    assert.doesNotMatch(logged, /\[(error|crit|alert|emerg)\]/, 'the earlier POST / is the only refusal');
    assert.doesNotMatch(logged, /buffered to a temporary file/, 'bodies stream through, no temporary files');
  });

test('an RSA removal through nginx at the same-origin path /rsa, with no CSP violation', async () => {
  const demo = await sandbox.control('/sandbox/demo');
  const tenant = await sandbox.control('/sandbox/tenant');
  const done = new Set((await sandbox.control('/sandbox/audit')).map((a) => a.user));
  const live = tenant.rsa.filter((u) => !done.has(u.id) && !u.markDeleted && !/SCIM/.test(u.identitySource));
  const disabled = live.filter((u) => u.userStatus === 'Disabled').slice(0, 15);
  const enabled = live.filter((u) => u.userStatus === 'Enabled').slice(0, 2);
  const unknown = '00000000-0000-4000-8000-000000000001';
  const csv = ['User ID', ...disabled.map((u) => u.id), ...enabled.map((u) => u.id), unknown].join('\r\n');
  const { page, response, check } = await openWatched(nginx.url + '/');
  assert.equal(response.headers()['content-security-policy'], cspFor(readFileSync(join(DIST, 'index.html'), 'utf8')));

  await page.fill('#rsa-base', '/rsa');
  await page.fill('#rsa-jwt', demo.rsa.jwt);
  await page.waitForSelector('#jwt-info');
  await page.click('#test-connection');
  await page.waitForSelector('#connection-status .success');
  assert.match(await page.locator('#connection-status').innerText(), /\/rsa\/AdminInterface\/restapi\/v1/);
  await screenshot(page, 'nginx-rsa-connect');
  await page.click('.step-nav .primary');
  await dropFile(page, 'leavers.csv', csv);
  await page.waitForSelector('#intake-summary');
  await page.click('.step-nav .primary');
  const toRemove = disabled.length + enabled.length + 1;
  assert.equal(Number(await page.locator('#preview-counts [data-count=targets] strong').innerText()), toRemove);
  await page.click('.step-nav .primary');
  await page.fill('#confirm-count', String(toRemove));
  await page.click('#start-run');
  await page.waitForSelector('#see-results', { timeout: 60_000 });
  const bar = async (id) => Number(await page.locator(`.bar-row[data-outcome=${id}] .bar-count`).innerText());
  assert.equal(await bar('removed'), disabled.length);
  assert.equal(await bar('conflict'), enabled.length);
  assert.equal(await bar('not-found'), 1);
  // Under the deployed CSP the run's requests went from the panel's worker, not the page's fallback.
  const worker = page.workers().find((w) => new URL(w.url()).pathname.endsWith('/fetch_worker.js'));
  assert.ok(worker, 'the request worker runs under the CSP');
  const sent = await worker.evaluate(() => performance.getEntriesByType('resource').filter((e) => e.name.includes('/rsa/')).length);
  assert.ok(sent >= disabled.length + enabled.length, `${sent} requests from the worker`);
  await screenshot(page, 'nginx-rsa-run');
  await page.click('#see-results');
  await page.waitForSelector('#results-summary');

  const removed = (await sandbox.control('/sandbox/audit'))
    .filter((a) => a.action === 'remove' && !done.has(a.user) && a.via === 'delete-user-now').map((a) => a.user);
  assert.deepEqual(removed.sort(), disabled.map((u) => u.id).sort(), 'exactly the disabled users were removed');
  assert.deepEqual(await check(), []);
});

test('an EPM removal through nginx at the same-origin URL …/epm, with no CSP violation', async () => {
  const demo = await sandbox.control('/sandbox/demo');
  const tenant = await sandbox.control('/sandbox/tenant');
  const done = new Set((await sandbox.control('/sandbox/audit')).filter((a) => a.system === 'epm').map((a) => a.user.toLowerCase()));
  const known = tenant.epm.map((u) => u.userlogin)
    .filter((l) => l.toLowerCase() !== tenant.epmAdmin.toLowerCase() && !done.has(l.toLowerCase())).slice(0, 12);
  const unknown = ['nobody.here@example.com', 'ghost@example.com'];
  const { page, check } = await openWatched(nginx.url + '/');

  await page.check('#target-epm');
  await page.fill('#epm-base', `${nginx.url}/epm`);
  await page.fill('#epm-user', demo.epm.user);
  await page.fill('#epm-password', demo.epm.password);
  await page.fill('#epm-batch', '5');
  await page.locator('#epm-batch').dispatchEvent('change');
  await page.click('#test-connection');
  await page.waitForSelector('#connection-status .success');
  await page.click('.step-nav .primary');
  await dropFile(page, 'leavers.csv', ['User Login', ...known, ...unknown].join('\n') + '\n');
  await page.waitForSelector('#intake-summary');
  await page.click('.step-nav .primary');
  await page.click('.step-nav .primary');
  await page.fill('#confirm-count', String(known.length + unknown.length));
  await page.click('#start-run');
  await page.waitForSelector('#see-results', { timeout: 60_000 });
  const batches = await page.locator('ol.batches li').allInnerTexts();
  assert.equal(batches.length, 3, batches.join('\n'));
  assert.ok(batches.every((b) => /done: Processed - \d+, Succeeded - \d+, Failed - \d+\./.test(b)), batches.join('\n'));
  await screenshot(page, 'nginx-epm-run');

  const removed = (await sandbox.control('/sandbox/audit'))
    .filter((a) => a.system === 'epm' && a.action === 'remove' && !done.has(a.user.toLowerCase())).map((a) => a.user.toLowerCase());
  assert.deepEqual(removed.sort(), known.map((l) => l.toLowerCase()).sort());
  const requests = (await sandbox.control('/sandbox/requests')).filter((r) => r.system === 'epm');
  assert.ok(requests.some((r) => r.method === 'GET' && r.path.startsWith('/interop/rest/security/v1/jobs/')),
    'the job status links were followed through the proxy');
  const basic = Buffer.from(`${demo.epm.user}:${demo.epm.password}`).toString('base64');
  const stored = await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }) +
    document.cookie + location.href);
  assert.ok(!stored.includes(demo.epm.password) && !stored.includes(basic), 'the password is kept in memory only');
  assert.deepEqual(await check(), []);
});

// The panel's own origin + /rsa (https://panel.example/rsa) is the same proxy as the path /rsa: a token whose aud
// is the tenant's adminRestApiUrl passes, Test connection goes through nginx, and a token whose aud is not an
// Admin REST API URL is still refused before any request.
test('an absolute same-origin RSA address (…/rsa) is accepted like the path /rsa', async () => {
  const demo = await sandbox.control('/sandbox/demo');
  const lookups = async () => (await sandbox.control('/sandbox/requests'))
    .filter((r) => r.system === 'rsa' && r.method === 'POST' && r.path === '/AdminInterface/restapi/v1/users/lookup')
    .map((r) => r.status);
  const { page, check } = await openWatched(nginx.url + '/');
  await page.fill('#rsa-base', `${nginx.url}/rsa`);
  await page.fill('#rsa-jwt', demo.rsa.jwt);
  await page.waitForSelector('#jwt-info');
  assert.match(await page.locator('#jwt-info').innerText(), new RegExp(demo.rsa.adminRestApiUrl.replace(/[.]/g, '\\.')));
  assert.deepEqual(await page.locator('ul.problems li.error').allInnerTexts(), []);
  const before = (await lookups()).length;
  await page.click('#test-connection', { timeout: 2_000 });
  await page.waitForSelector('#connection-status .success');
  assert.match(await page.locator('#connection-status').innerText(),
    new RegExp(`Requests will go to ${nginx.url.replace(/[.]/g, '\\.')}/rsa/AdminInterface/restapi/v1`));
  assert.deepEqual((await lookups()).slice(before), [404, 403],
    'the connection test reached the tenant through nginx, and so did its check that a request without the credential is refused');
  assert.ok(await page.locator('.step-nav .primary').isEnabled(), 'Next is allowed');

  // The audience is still checked: the proxy's own address is not an adminRestApiUrl.
  const { jwt: wrong } = await sandbox.control('/sandbox/token', { aud: `${nginx.url}/rsa/AdminInterface/restapi/v1` });
  await page.fill('#rsa-jwt', wrong);
  await page.waitForSelector('ul.problems li.error');
  assert.match((await page.locator('ul.problems li.error').allInnerTexts()).join('\n'), /adminRestApiUrl/);
  assert.ok(await page.locator('#test-connection').isDisabled());
  assert.ok(await page.locator('.step-nav .primary').isDisabled());
  assert.deepEqual(await check(), []);
});

test('served without a proxy and pointed at another origin that sends no CORS headers, the panel explains CORS',
  async () => {
    const other = sandbox.url.replace('127.0.0.1', 'localhost');
    const rsaBase = `${other}/AdminInterface/restapi/v1`;
    const { jwt } = await sandbox.control('/sandbox/token', { aud: rsaBase });
    const { page, check } = await openWatched(sandbox.url + '/', { allowConsole: /^Failed to load resource|CORS policy/ });
    await page.fill('#rsa-base', rsaBase);
    await page.fill('#rsa-jwt', jwt);
    await page.waitForSelector('#jwt-info');
    await page.click('#test-connection');
    await page.waitForSelector('#connection-status .error');
    const rsaAdvice = await page.locator('#connection-status').innerText();
    assert.match(rsaAdvice, /CORS/);
    assert.match(rsaAdvice, /\/rsa\/AdminInterface\/restapi\/v1/, 'it names the proxy path to use');
    await screenshot(page, 'nginx-cors-rsa');

    const demo = await sandbox.control('/sandbox/demo');
    await page.check('#target-epm');
    await page.fill('#epm-base', other);
    await page.fill('#epm-user', demo.epm.user);
    await page.fill('#epm-password', demo.epm.password);
    await page.click('#test-connection');
    await page.waitForSelector('#connection-status .error');
    assert.match(await page.locator('#connection-status').innerText(), /CORS.*\/epm/s);
    assert.deepEqual(await check(), []);
  });
