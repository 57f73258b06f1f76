// Shared pieces of the end-to-end tests: start the sandbox, launch Debian's Chromium, save screenshots.
import { spawn } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { chromium } from 'playwright-core';

export const ROOT = resolve(import.meta.dirname, '..', '..');
export const ARTIFACTS = join(ROOT, '.artifacts');
/** The built panel to serve: `dist/`, or the folder named by `OFFBOARD_DIST`. */
export const DIST = process.env.OFFBOARD_DIST ? resolve(process.env.OFFBOARD_DIST) : join(ROOT, 'dist');

const CHROMIUM_ARGS = ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage',
  '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

/**
 * Starts the sandbox on a free port with the built panel; resolves once it prints its URL.
 * `profile` picks the build (`debug` for tests, `release` for benchmarks). With `--tls` among the arguments, `tls`
 * holds the certificate it wrote (`certPath`, `pem`) and `spki`, the value for `launchBrowser(tlsArgs(spki))`; `control`
 * then trusts that certificate.
 */
export async function startSandbox(extraArgs = [], { profile = 'debug' } = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), 'offboard-sandbox-'));
  const proc = spawn(join(ROOT, 'target', profile, 'sandbox'),
    ['--port', '0', '--dist', DIST, '--data-dir', dataDir, ...extraArgs],
    { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: proc.stdout });
  const url = await new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error('sandbox printed no SANDBOX_URL within 60 s')), 60_000);
    proc.once('exit', (code) => fail(new Error(`sandbox exited early with ${code}`)));
    lines.on('line', (line) => {
      const m = /^SANDBOX_URL=(\S+)$/.exec(line);
      if (m) { clearTimeout(timer); ok(m[1]); }
    });
  });
  lines.on('line', () => {});
  const tls = url.startsWith('https:') ? certificate(join(dataDir, 'tls-cert.pem')) : null;
  return {
    url,
    dataDir,
    tls,
    pid: proc.pid,
    /** GET or POST a sandbox control endpoint and parse its JSON. */
    async control(path, body) {
      const init = body === undefined ? {} : {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body),
      };
      const res = tls ? await fetchTrusting(url + path, init, tls.pem) : await fetch(url + path, init);
      if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
      return res.json();
    },
    async stop() {
      proc.kill('SIGTERM');
      await new Promise((ok) => (proc.exitCode !== null ? ok() : proc.once('exit', ok)));
    },
  };
}

/** The sandbox's `--tls` certificate: its path, PEM and SPKI SHA-256 (base64). */
function certificate(certPath) {
  const pem = readFileSync(certPath, 'utf8');
  const spki = new X509Certificate(pem).publicKey.export({ type: 'spki', format: 'der' });
  return { certPath, pem, spki: createHash('sha256').update(spki).digest('base64') };
}

/** A small `fetch` over HTTPS that trusts `ca` (PEM), for the control endpoints of a `--tls` sandbox. */
function fetchTrusting(url, { method = 'GET', headers = {}, body } = {}, ca) {
  return new Promise((ok, fail) => {
    const req = request(url, { method, headers, ca }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        ok({ ok: res.statusCode >= 200 && res.statusCode < 300, status: res.statusCode, json: async () => JSON.parse(text) });
      });
      res.on('error', fail);
    });
    req.on('error', fail);
    req.end(body);
  });
}

/** Chromium flags that make it trust a `--tls` sandbox's certificate, by its SPKI SHA-256. */
export function tlsArgs(spki) {
  return [`--ignore-certificate-errors-spki-list=${spki}`];
}

/** Launches headless Debian Chromium (never a downloaded browser), with `extraArgs` after the usual flags. */
export async function launchBrowser(extraArgs = []) {
  return chromium.launch({ executablePath: '/usr/bin/chromium', args: [...CHROMIUM_ARGS, ...extraArgs] });
}

/** Opens a page that fails the test on any uncaught error or console error. */
export async function openPanel(browser, url) {
  const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  // The browser logs every non-2xx answer as "Failed to load resource"; the vendors' 404/409/429 are expected.
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) problems.push(`console error: ${m.text()}`);
  });
  page.on('response', (r) => {
    if (r.status() === 404 && r.request().resourceType() !== 'fetch') problems.push(`missing asset: ${r.url()}`);
  });
  await page.goto(url);
  await page.waitForSelector('nav.stepper');
  return { page, context, problems };
}

/** Saves a full-page screenshot under .artifacts/screenshots/. */
export async function screenshot(page, name) {
  const dir = join(ARTIFACTS, 'screenshots');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** Drops a file on the CSV step's drop zone with a real `drop` event carrying a `DataTransfer`. */
export async function dropFile(page, name, body, type = 'text/csv') {
  await page.locator('.dropzone').evaluate((zone, { name, body, type }) => {
    const bytes = typeof body === 'string' ? body : new Uint8Array(body);
    const dt = new DataTransfer();
    dt.items.add(new File([bytes], name, { type }));
    zone.dispatchEvent(new DragEvent('dragover', { dataTransfer: dt, bubbles: true, cancelable: true }));
    zone.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
  }, { name, body: typeof body === 'string' ? body : [...body], type });
}

/** Parses a CSV the panel exported (RFC 4180 quoting) into objects keyed by the header. */
export function parseCsv(text) {
  const rows = [];
  let row = [], field = '', quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; i++; }
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { row.push(field); field = ''; }
    else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field); rows.push(row); row = []; field = '';
    } else field += c;
  }
  if (field !== '' || row.length) { row.push(field); rows.push(row); }
  const [header, ...data] = rows.filter((r) => r.length > 1 || r[0] !== '');
  return data.map((r) => Object.fromEntries(header.map((h, i) => [h, r[i]])));
}

/** Runs axe-core (from npm) on the page; returns the serious and critical violations, described. */
export async function accessibilityProblems(page) {
  if (!(await page.evaluate(() => typeof window.axe !== 'undefined'))) {
    await page.addScriptTag({ path: join(ROOT, 'node_modules', 'axe-core', 'axe.min.js') });
  }
  const result = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.impact} ${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join('; ')})`);
}

/** Signs in to the sandbox's EPM as its demo admin, with `batch` users per removal job. */
export async function connectEpm(page, demo, batch) {
  await page.check('#target-epm');
  await page.fill('#epm-base', demo.epm.baseUrl);
  await page.fill('#epm-user', demo.epm.user);
  await page.fill('#epm-password', demo.epm.password);
  await page.fill('#epm-batch', String(batch));
  await page.locator('#epm-batch').dispatchEvent('change');
}

/** From the Connect step: drops `logins` as a `User Login` file and goes on to the Run step's confirmation. */
export async function planLogins(page, logins) {
  await planRows(page, 'User Login', logins);
}

/** From the Connect step: drops `values` under `header` as a file and goes on to the Run step's confirmation. */
export async function planRows(page, header, values) {
  await page.click('.step-nav .primary');
  await dropFile(page, 'leavers.csv', [header, ...values].join('\n'));
  await page.waitForSelector('#intake-summary');
  await page.click('.step-nav .primary');
  await page.click('.step-nav .primary');
}
