// Where the long tasks of a run come from: a Chrome trace of one run through the panel, its tasks over `TRACE_MS`
// (default 30) listed with their largest inner events and when in the run they happened.
// `node bench/trace_run.mjs` traces the RSA run of figure 4; `TRACE_TARGET=epm` the EPM run of figure 5 (100,000
// logins, at 5,000 users/s unless `BENCH_EPM_SPEED` says). `TRACE_SECONDS` stops the trace that long after *Start*
// instead of at the run's end. Not part of `make bench`; `OFFBOARD_DIST` picks the build. With `TRACE_ALLOC=1` it
// samples the page's JS allocations over the run's first 30 s instead and lists where they come from. With
// `TRACE_PROFILE=1` it also lists the functions each long task spent its time in (CPU samples; build the panel's
// wasm with names, `wasm-opt -g`, to see Rust functions). With `TRACE_RESULTS=1` the run is not traced: its end is
// awaited, then the opening of the Results step is traced (2 s from the click on *See the results*).
import { rmSync } from 'node:fs';
import { WORK, connectAndConfirm, launchBenchBrowser, openBenchPanel, startSandbox, writeLines } from './lib.mjs';

const EPM = process.env.TRACE_TARGET === 'epm';
const USERS = Number(EPM ? process.env.BENCH_EPM_USERS ?? 100_000 : process.env.BENCH_RSA_USERS ?? 20_000);
const RATE = Number(process.env.BENCH_RSA_RATE ?? 200);
const SHOW_MS = Number(process.env.TRACE_MS ?? 30);
const STOP_S = Number(process.env.TRACE_SECONDS ?? 0);
const PROFILE = Boolean(process.env.TRACE_PROFILE);
const RESULTS = Boolean(process.env.TRACE_RESULTS);
const TENANT = Math.ceil(USERS / 0.7 / 1000) * 1000 + 2000;

const sandbox = EPM
  ? await startSandbox(['--users', String(USERS), '--epm-users-per-sec', process.env.BENCH_EPM_SPEED ?? '5000'])
  : await startSandbox(['--tls', '--users', String(TENANT), '--rate', String(RATE), '--burst', String(RATE), '--latency-ms', '50']);
const browser = await launchBenchBrowser(sandbox);
try {
  const tenant = await sandbox.control('/sandbox/tenant');
  const demo = await sandbox.control('/sandbox/demo');
  const { page, context } = await openBenchPanel(browser, sandbox.url + '/');
  let users;
  if (EPM) {
    users = tenant.epm.map((u) => u.userlogin).filter((l) => l.toLowerCase() !== tenant.epmAdmin.toLowerCase()).slice(0, USERS);
    await page.check('#target-epm');
    await page.fill('#epm-base', demo.epm.baseUrl);
    await page.fill('#epm-user', demo.epm.user);
    await page.fill('#epm-password', demo.epm.password);
  } else {
    users = tenant.rsa.filter((u) => u.userStatus === 'Disabled' && !u.markDeleted && !/SCIM|Azure/.test(u.identitySource))
      .map((u) => u.id).slice(0, USERS);
    await page.fill('#rsa-base', demo.rsa.adminRestApiUrl);
    await page.fill('#rsa-jwt', demo.rsa.jwt);
  }
  const csv = await writeLines('run-users.csv', [EPM ? 'User Login' : 'User ID', ...users]);
  await connectAndConfirm(page, csv.path, users.length);
  const cdp = await context.newCDPSession(page);
  if (RESULTS) {
    await page.click('#start-run');
    await page.waitForSelector('#see-results', { timeout: 30 * 60_000 });
  }
  if (process.env.TRACE_ALLOC) {
    await sampleAllocations(page, cdp);
  } else {
    const events = [];
    const names = new Map();
    cdp.on('Tracing.dataCollected', (d) => {
      for (const e of d.value) {
        if (e.ph === 'M' && e.name === 'thread_name') names.set(e.tid, e.args.name);
        else if (e.ph === 'X' && (e.dur ?? 0) > 300) events.push(e);
      }
    });
    const done = new Promise((ok) => cdp.once('Tracing.tracingComplete', ok));
    await cdp.send('Tracing.start', { categories: 'devtools.timeline,disabled-by-default-devtools.timeline,v8.execute,blink.user_timing', transferMode: 'ReportEvents' });
    if (PROFILE) {
      await cdp.send('Profiler.enable');
      await cdp.send('Profiler.setSamplingInterval', { interval: 250 });
      await cdp.send('Profiler.start');
    }
    // A click at once lands in a task of the tracing's own start (tens of ms, none of it the page's work).
    await new Promise((ok) => setTimeout(ok, 500));
    const t0 = Date.now();
    if (RESULTS) {
      await page.click('#see-results');
      await page.waitForSelector('#results-summary');
      await new Promise((ok) => setTimeout(ok, 2_000));
    } else {
      await page.click('#start-run');
      if (STOP_S > 0) await new Promise((ok) => setTimeout(ok, STOP_S * 1000));
      else await page.waitForSelector('#see-results', { timeout: 30 * 60_000 });
    }
    const wall = Date.now() - t0;
    const heap = await cdp.send('Runtime.getHeapUsage');
    console.log(`JS heap at the end: ${(heap.usedSize / 1e6).toFixed(1)} MB used of ${(heap.totalSize / 1e6).toFixed(1)} MB`);
    const profile = PROFILE ? (await cdp.send('Profiler.stop')).profile : null;
    await cdp.send('Tracing.end');
    await done;
    const main = [...names].find(([, n]) => n === 'CrRendererMain')?.[0];
    const tasks = events.filter((e) => e.tid === main && e.name === 'RunTask' && e.dur > SHOW_MS * 1000).sort((a, b) => a.ts - b.ts);
    const gcs = events.filter((e) => e.tid === main && e.name === 'MajorGC');
    const minor = events.filter((e) => e.tid === main && e.name === 'MinorGC');
    console.log(`main thread: ${gcs.length} major GCs over 0.3 ms, ${(gcs.reduce((a, e) => a + e.dur, 0) / 1000).toFixed(0)} ms in all, `
      + `longest ${(gcs.reduce((a, e) => Math.max(a, e.dur), 0) / 1000).toFixed(1)} ms; ${minor.length} minor GCs over 0.3 ms, `
      + `${(minor.reduce((a, e) => a + e.dur, 0) / 1000).toFixed(0)} ms`);
    const first = events.reduce((m, e) => Math.min(m, e.ts), Infinity);
    console.log(`run ${(wall / 1000).toFixed(1)} s; ${tasks.length} task(s) over ${SHOW_MS} ms`);
    for (const t of tasks) {
      const inner = events.filter((e) => e.tid === t.tid && e.ts >= t.ts && e.ts + e.dur <= t.ts + t.dur && e.name !== 'RunTask')
        .sort((a, b) => b.dur - a.dur).slice(0, 6)
        .map((e) => `${e.name}${e.args?.data?.functionName ? `(${e.args.data.functionName})` : ''} ${(e.dur / 1000).toFixed(1)}`).join(', ');
      console.log(`+${((t.ts - first) / 1e6).toFixed(1).padStart(6)} s  ${(t.dur / 1000).toFixed(1).padStart(6)} ms  ${names.get(t.tid) ?? t.tid}: ${inner}`);
      if (profile) console.log(insideTask(profile, t));
    }
  }
  await context.close();
} finally {
  await sandbox.stop();
  await browser.close();
  rmSync(WORK, { recursive: true, force: true });
}

/** Samples the page's allocations for 30 s after *Start* and prints the 20 largest sites (function < callers). */
async function sampleAllocations(page, cdp) {
  await cdp.send('HeapProfiler.enable');
  await cdp.send('HeapProfiler.startSampling', {
    samplingInterval: 16384, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true,
  });
  await page.click('#start-run');
  await new Promise((done) => setTimeout(done, 30_000));
  const { profile } = await cdp.send('HeapProfiler.stopSampling');
  const sites = new Map();
  const walk = (node, stack) => {
    const frame = `${node.callFrame.functionName || '(anonymous)'}@${node.callFrame.url.split('/').pop()}:${node.callFrame.lineNumber}`;
    const path = [...stack.slice(-2), frame];
    if (node.selfSize) sites.set(path.join(' < '), (sites.get(path.join(' < ')) ?? 0) + node.selfSize);
    for (const child of node.children) walk(child, path);
  };
  walk(profile.head, []);
  const total = [...sites.values()].reduce((a, b) => a + b, 0);
  console.log(`${(total / 1e6).toFixed(1)} MB allocated by the page in the run's first 30 s`);
  for (const [site, bytes] of [...sites].sort((a, b) => b[1] - a[1]).slice(0, 20)) {
    console.log(`${(bytes / 1e6).toFixed(2).padStart(7)} MB  ${site}`);
  }
}

/** The functions a task's CPU samples fall in, by inclusive time. */
function insideTask(profile, task) {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  let at = profile.startTime;
  const inclusive = new Map();
  let count = 0;
  profile.samples.forEach((id, k) => {
    at += profile.timeDeltas[k];
    if (at < task.ts || at > task.ts + task.dur) return;
    count += 1;
    const seen = new Set();
    for (let n = id; n; n = parent.get(n)) {
      const name = nodes.get(n).callFrame.functionName;
      if (name && !seen.has(name)) seen.add(name);
    }
    for (const name of seen) inclusive.set(name, (inclusive.get(name) ?? 0) + 1);
  });
  const ms = (samples) => (samples * 0.25).toFixed(1).padStart(6);
  return [...inclusive].filter(([name]) => !['(root)', 'real', 'js-to-wasm::', 'RunMicrotasks'].includes(name))
    .sort((a, b) => b[1] - a[1]).slice(0, 24)
    .map(([name, samples]) => `        ${ms(samples)} ms  ${name.replace(/::h[0-9a-f]{16}$/, '').slice(0, 120)}`)
    .join('\n') + `\n        (${count} samples)`;
}
