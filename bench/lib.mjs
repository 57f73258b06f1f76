// Shared pieces of the benchmarks: the release sandbox, data files, the panel's steps, small statistics.
// The browser, its flags and the panel page come from the end-to-end harness (tests/e2e/harness.mjs).
import { createWriteStream, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { ROOT, launchBrowser, openPanel, startSandbox as startHarnessSandbox, tlsArgs } from '../tests/e2e/harness.mjs';

export { ROOT };
export const WORK = mkdtempSync(join(tmpdir(), 'offboard-bench-'));

/**
 * Starts the release sandbox with the harness's start-up, plus the CPU time it has used. With `--tls` among the
 * arguments it serves HTTPS with HTTP/2 like the real vendors; `launchBenchBrowser(sandbox)` then trusts it.
 */
export async function startSandbox(extraArgs = []) {
  const sandbox = await startHarnessSandbox(extraArgs, { profile: 'release' });
  return {
    ...sandbox,
    /** CPU time (user + system, seconds) the sandbox process has used so far. */
    cpuSeconds() {
      const fields = readFileSync(`/proc/${sandbox.pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
      return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
    },
  };
}

/** Launches the harness's Chromium; given a `--tls` sandbox, trusting its certificate (by SPKI). */
export async function launchBenchBrowser(sandbox) {
  return launchBrowser(sandbox?.tls ? tlsArgs(sandbox.tls.spki) : []);
}

/** Writes `lines` (an iterable of strings) to a file, one per line (LF), and returns its path and size. */
export async function writeLines(name, lines) {
  const path = join(WORK, name);
  const out = createWriteStream(path);
  let bytes = 0, chunk = [];
  const flush = async () => {
    const s = chunk.join('');
    chunk = [];
    bytes += Buffer.byteLength(s);
    if (!out.write(s)) await once(out, 'drain');
  };
  for (const line of lines) {
    chunk.push(line, '\n');
    if (chunk.length >= 20_000) await flush();
  }
  await flush();
  out.end();
  await once(out, 'finish');
  return { path, bytes };
}

export function writeText(name, text) {
  const path = join(WORK, name);
  writeFileSync(path, text);
  return path;
}

/** A deterministic 1,000,000-row user export: `User Login,First Name,Last Name,Email`, 1 % repeated logins. */
export function* userRows(rows) {
  const first = ['Ann', 'Bob', 'Cara', 'Dan', 'Eve', 'Finn', 'Gus', 'Hana', 'Ivo', 'Jo', 'Kim', 'Lea', 'Max', 'Nia',
    'Otto', 'Pia', 'Raj', 'Sara', 'Tom', 'Uma', 'Vic', 'Wen', 'Xia', 'Yves', 'Zoe'];
  const last = ['Ng', 'Diaz', 'Kaur', 'Lee', 'Moss', 'Ortiz', 'Park', 'Quinn', 'Roy', 'Sato', 'Tran', 'Vega', 'Wu',
    'Young', 'Zhou', 'Berg', 'Cole', 'Fox', 'Gray', 'Hale'];
  let seed = 0x2545f491;
  const rand = (n) => { seed ^= seed << 13; seed ^= seed >>> 17; seed ^= seed << 5; return (seed >>> 0) % n; };
  yield 'User Login,First Name,Last Name,Email';
  const logins = [];
  for (let i = 0; i < rows; i++) {
    if (i % 100 === 99) {
      // A repeated login, in other case: the dedupe must catch it.
      const login = logins[rand(logins.length)].toUpperCase();
      yield `${login},Dup,Row,${login}@ex.io`;
      continue;
    }
    const f = first[rand(first.length)], l = last[rand(last.length)];
    const login = `${f[0]}${l}${i.toString(36)}`.toLowerCase();
    if (logins.length < 50_000) logins.push(login);
    yield `${login},${f},${l},${login}@ex.io`;
  }
}

/**
 * Opens the panel (harness `openPanel`) and makes the wasm exports reachable as `window.__benchWasm`. The
 * mass-removal threshold (a human safeguard: type the tenant, then a 10 s cancellable wait) is set above any run the
 * benchmarks make, so the runs measure the removal itself.
 */
export async function openBenchPanel(browser, url) {
  const opened = await openPanel(browser, url);
  await opened.context.addInitScript(() => {
    addEventListener('TrunkApplicationStarted', (e) => { window.__benchWasm = e.detail.wasm; });
    localStorage.setItem('offboard.threshold.v1', '100000000');
  });
  await opened.page.reload();
  await opened.page.waitForSelector('nav.stepper');
  await opened.page.waitForFunction(() => window.__benchWasm?.memory instanceof WebAssembly.Memory);
  return opened;
}

/**
 * From the Connect step with the credential filled in: tests the connection, takes in the CSV at `csvPath`,
 * previews and types the confirmation count `users`, leaving the panel one click from *Start*.
 */
export async function connectAndConfirm(page, csvPath, users) {
  await page.click('#test-connection');
  await page.waitForSelector('#connection-status .success');
  await next(page);
  await page.setInputFiles('.dropzone input[type=file]', csvPath);
  await page.waitForSelector('#intake-summary');
  await next(page);
  await page.waitForSelector('#preview-counts');
  await next(page);
  await page.fill('#confirm-count', String(users));
}

/** Clicks the step navigation's primary button ("Next"). */
export async function next(page) {
  await page.click('.step-nav .primary');
}

/** Sets `#bench-file`, a hidden file input the benchmark adds, to the file at `path` (no bytes cross CDP). */
export async function stageFile(page, path) {
  await page.evaluate(() => {
    if (document.getElementById('bench-file')) return;
    const input = Object.assign(document.createElement('input'), { type: 'file', id: 'bench-file', hidden: true });
    document.documentElement.appendChild(input);
  });
  await page.setInputFiles('#bench-file', path);
}

/**
 * One intake on a fresh page, as the intake scripts time it: opens the panel on the CSV step with the EPM target (its
 * identifier is the `User Login` column), stages the file at `csvPath`, awaits `beforeChange(opened)` (to start a
 * profiler or a trace), then hands the staged File to the CSV step's file input. Resolves with the opened page
 * (`page`, `context`, `problems`) and `ms`, from the `change` event to `#intake-summary`; performance marks
 * `intake-start` and `intake-end` bracket that span.
 */
export async function timeIntake(browser, url, csvPath, beforeChange = async () => {}) {
  const opened = await openBenchPanel(browser, url);
  const { page } = opened;
  await page.check('#target-epm');
  await page.locator('nav.stepper a', { hasText: 'CSV' }).click();
  await page.waitForSelector('.dropzone input[type=file]', { state: 'attached' });
  await stageFile(page, csvPath);
  await beforeChange(opened);
  const ms = await page.evaluate(() => new Promise((ok) => {
    const file = document.getElementById('bench-file').files[0];
    const input = document.querySelector('.dropzone input[type=file]');
    const dt = new DataTransfer();
    dt.items.add(file);
    const mo = new MutationObserver(() => {
      if (document.getElementById('intake-summary')) { mo.disconnect(); performance.mark('intake-end'); ok(performance.now() - t0); }
    });
    mo.observe(document.body, { childList: true, subtree: true, characterData: true });
    input.files = dt.files;
    performance.mark('intake-start');
    const t0 = performance.now();
    input.dispatchEvent(new Event('change', { bubbles: true }));
  }));
  return { ...opened, ms };
}

/**
 * Starts collecting long tasks in the page (buffered); `stopLongTasks` returns those since the start (`since`, page
 * time), each with its `start` (page time) and `duration`.
 */
export async function startLongTasks(page) {
  await page.evaluate(() => {
    const since = performance.now();
    const seen = [];
    const po = new PerformanceObserver((list) => seen.push(...list.getEntries()));
    po.observe({ type: 'longtask', buffered: true });
    window.__benchLong = { since, seen, po };
  });
}
export async function stopLongTasks(page) {
  return page.evaluate(async () => {
    await new Promise((ok) => setTimeout(ok, 300)); // long-task entries arrive after their task
    const { since, seen, po } = window.__benchLong;
    seen.push(...po.takeRecords());
    po.disconnect();
    const list = seen.filter((e) => e.startTime >= since - 1).map((e) => ({ start: e.startTime, duration: e.duration }));
    const tasks = list.map((t) => t.duration);
    return { count: tasks.length, max: tasks.length ? Math.max(...tasks) : 0, total: tasks.reduce((a, b) => a + b, 0), list, since };
  });
}

/**
 * Clicks `clickSelector` inside the page and resolves with the ms until `waitSelector` is in the DOM
 * (MutationObserver), and until the frame after it (rows painted).
 */
export async function clickAndTime(page, clickSelector, waitSelector, timeoutMs = 30 * 60_000) {
  return page.evaluate(({ clickSelector, waitSelector, timeoutMs }) => new Promise((ok, fail) => {
    let t0;
    const done = () => {
      const dom = performance.now() - t0;
      requestAnimationFrame(() => setTimeout(() => ok({ dom, painted: performance.now() - t0 }), 0));
    };
    const mo = new MutationObserver(() => {
      if (document.querySelector(waitSelector)) { mo.disconnect(); clearTimeout(timer); done(); }
    });
    const timer = setTimeout(() => { mo.disconnect(); fail(new Error(`${waitSelector} not seen in ${timeoutMs} ms`)); }, timeoutMs);
    mo.observe(document.body, { childList: true, subtree: true });
    t0 = performance.now();
    document.querySelector(clickSelector).click();
  }), { clickSelector, waitSelector, timeoutMs });
}

export function quantile(values, q) {
  const s = [...values].sort((a, b) => a - b);
  if (!s.length) return NaN;
  const pos = (s.length - 1) * q, lo = Math.floor(pos), hi = Math.ceil(pos);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}

export const log = (...a) => console.error('[bench]', ...a);
