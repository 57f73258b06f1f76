// Figures 2 (during a run) and 4: RSA removals through the panel against the rate-limited sandbox, and the
// reference's curl example run as a sequential loop on a fresh tenant. The sandbox serves HTTPS with HTTP/2 (`--tls`),
// as the real service does, and the run's own Chromium trusts its certificate.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { parseCsv } from '../tests/e2e/harness.mjs';
import {
  clickAndTime, connectAndConfirm, launchBenchBrowser, log, openBenchPanel, startLongTasks, startSandbox, stopLongTasks, writeLines,
  writeText,
} from './lib.mjs';

const USERS = Number(process.env.BENCH_RSA_USERS ?? 20_000);
const RATE = Number(process.env.BENCH_RSA_RATE ?? 200);
const LATENCY_MS = 50;
const CURL_SAMPLE = Number(process.env.BENCH_CURL_SAMPLE ?? 300);
// Past this many seconds the run is cancelled ("finish what is in flight") and measured up to there.
const BUDGET_S = Number(process.env.BENCH_RSA_BUDGET_S ?? 240);
// 70 % of the seeded tenant are disabled users from a directory source (sandbox/README.md): enough for USERS.
const TENANT = Math.ceil(USERS / 0.7 / 1000) * 1000 + 2000;

const eligible = (tenant) => tenant.rsa
  .filter((u) => u.userStatus === 'Disabled' && !u.markDeleted && !/SCIM|Azure/.test(u.identitySource))
  .map((u) => u.id);

/** Per-second counts of the answered (non-429) DELETEs, for where the run lost time. */
function profile(deletes, fromMs, toMs) {
  const bins = new Array(Math.max(1, Math.ceil((toMs - fromMs) / 1000))).fill(0);
  for (const r of deletes) if (r.status !== 429 && r.at >= fromMs && r.at < toMs) bins[Math.floor((r.at - fromMs) / 1000)]++;
  return bins;
}

export async function runRemoval() {
  const sandbox = await startSandbox(['--tls', '--users', String(TENANT), '--rate', String(RATE), '--burst', String(RATE),
    '--latency-ms', String(LATENCY_MS)]);
  const browser = await launchBenchBrowser(sandbox);
  try {
    const tenant = await sandbox.control('/sandbox/tenant');
    const ids = eligible(tenant).slice(0, USERS);
    if (ids.length < USERS) throw new Error(`only ${ids.length} eligible users in a tenant of ${TENANT}`);
    const csv = await writeLines('rsa-ids.csv', ['User ID', ...ids]);
    const demo = await sandbox.control('/sandbox/demo');

    // The panel: Connect, CSV, Preview, confirm, run.
    const { page, context, problems } = await openBenchPanel(browser, sandbox.url + '/');
    await page.fill('#rsa-base', demo.rsa.adminRestApiUrl);
    await page.fill('#rsa-jwt', demo.rsa.jwt);
    await connectAndConfirm(page, csv.path, ids.length);
    const requestsBefore = (await sandbox.control('/sandbox/requests')).length;
    const cdp = await context.newCDPSession(page);
    await cdp.send('Performance.enable');
    const metric = async () => Object.fromEntries((await cdp.send('Performance.getMetrics')).metrics.map((m) => [m.name, m.value]));
    const m0 = await metric();
    const cpu0 = sandbox.cpuSeconds();
    const startedAt = Date.now();
    // Resource Timing of the DELETEs, kept as numbers by an observer: holding 20,000 entry objects in the
    // timeline buffer would add heap for the GC to walk that a user's run never has. The panel sends a run's
    // requests from its worker (src/browser/fetch_worker.js), so the observer goes there, as soon as the run
    // starts it; `buffered` brings the entries of the requests sent before (the buffer holds 250).
    const requestWorker = page.waitForEvent('worker', { predicate: (w) => new URL(w.url()).pathname.endsWith('/fetch_worker.js'), timeout: 60_000 })
      .then(async (worker) => {
        await worker.evaluate(() => {
          const rt = { times: new Float64Array(4 * 65_536), n: 0, protocols: new Set() };
          globalThis.__benchResources = rt;
          new PerformanceObserver((list) => {
            for (const e of list.getEntries()) {
              if (e.initiatorType !== 'fetch' || !e.name.includes('/users/')) continue;
              if (4 * (rt.n + 1) > rt.times.length) {
                const bigger = new Float64Array(rt.times.length * 2);
                bigger.set(rt.times);
                rt.times = bigger;
              }
              rt.times.set([e.startTime, e.requestStart, e.responseStart, e.responseEnd], 4 * rt.n++);
              rt.protocols.add(e.nextHopProtocol);
            }
            performance.clearResourceTimings();
          }).observe({ type: 'resource', buffered: true });
        });
        return worker;
      });
    await startLongTasks(page);
    log(`rsa: removing ${ids.length} users through the panel at R = ${RATE}/s (budget ${BUDGET_S} s)…`);
    let cancelledAt = null, pageCancel = null;
    const budget = setTimeout(async () => {
      cancelledAt = Date.now();
      log('rsa: budget reached, cancelling (in-flight requests finish)');
      pageCancel = await page.evaluate(() => { const b = document.getElementById('cancel'); b?.click(); return b ? performance.now() : null; })
        .catch(() => null);
      log(`rsa: cancel clicked: ${pageCancel !== null}`);
    }, BUDGET_S * 1000);
    const pageStart = await page.evaluate(() => performance.now());
    const run = await clickAndTime(page, '#start-run', '#see-results');
    clearTimeout(budget);
    const allLong = await stopLongTasks(page);
    const endedAt = Date.now();
    // The removal phase ends at the cancel, if the budget made one; what the cancel itself costs is reported apart.
    const removingMs = pageCancel !== null ? pageCancel - pageStart : run.dom;
    const during = allLong.list.filter((t) => pageCancel === null || t.start < pageCancel);
    const afterCancel = allLong.list.filter((t) => pageCancel !== null && t.start >= pageCancel);
    const long = { count: during.length, max: Math.max(0, ...during.map((t) => t.duration)),
      total: during.reduce((a, t) => a + t.duration, 0) };
    const cancelLong = { count: afterCancel.length, max: Math.max(0, ...afterCancel.map((t) => t.duration)),
      finishMs: run.dom - removingMs };
    // Requests in flight as the browser saw them (Resource Timing of the DELETE fetches): mean over the run and peak.
    const pageOrigin = await page.evaluate(() => performance.timeOrigin);
    const flight = await (await requestWorker).evaluate(({ runMs, from, to, pageOrigin }) => {
      const rt = globalThis.__benchResources;
      // The worker's clock starts when the worker does: shift its times onto the page's.
      const shift = performance.timeOrigin - pageOrigin;
      const entries = Array.from({ length: rt.n }, (_, i) => rt.times.subarray(4 * i, 4 * i + 4))
        .map((t) => t.map((x) => x + shift))
        .map(([startTime, requestStart, responseStart, responseEnd]) => ({ startTime, requestStart, responseStart, responseEnd }))
        .filter((e) => e.startTime >= from && e.startTime < to);
      const spans = entries.map((e) => [e.startTime, e.responseEnd]);
      const edges = spans.flatMap(([a, b]) => [[a, 1], [b, -1]]).sort((x, y) => x[0] - y[0] || x[1] - y[1]);
      let now = 0, peak = 0;
      for (const [, d] of edges) { now += d; peak = Math.max(peak, now); }
      const busy = spans.reduce((t, [a, b]) => t + (b - a), 0);
      const avg = (f) => entries.reduce((t, e) => t + f(e), 0) / entries.length;
      return {
        requests: spans.length, meanMs: busy / spans.length, mean: busy / runMs, peak,
        // Waiting in the browser for a connection, on the wire until the first byte, then until the last byte.
        queuedMs: avg((e) => e.requestStart - e.startTime), serverMs: avg((e) => e.responseStart - e.requestStart),
        tailMs: avg((e) => e.responseEnd - e.responseStart),
        protocol: [...rt.protocols].join(', '),
      };
    }, { runMs: removingMs, from: pageStart, to: pageStart + removingMs, pageOrigin });
    const m1 = await metric();
    const sandboxCpu = sandbox.cpuSeconds() - cpu0;
    // Over the whole run (cancel included): the share of wall time the page's main thread was running tasks.
    const mainBusy = (m1.TaskDuration - m0.TaskDuration) / (run.dom / 1000);
    const scriptBusy = (m1.ScriptDuration - m0.ScriptDuration) / (run.dom / 1000);
    await page.click('#see-results');
    const download = page.waitForEvent('download');
    await page.click('#download');
    const results = parseCsv(readFileSync(await (await download).path(), 'utf8').replace(/^\uFEFF/, ''));
    await context.close();

    const outcome = new Map(results.map((r) => [r.user.toLowerCase(), r.outcome]));
    const requests = (await sandbox.control('/sandbox/requests')).slice(requestsBefore);
    const deletes = requests.filter((r) => r.method === 'DELETE');
    const throttled = deletes.filter((r) => r.status === 429).length;
    const ok200 = deletes.filter((r) => r.status === 200).map((r) => r.path.toLowerCase());
    const audit = (await sandbox.control('/sandbox/audit')).filter((a) => a.action === 'remove');
    const removed = audit.map((a) => a.user.toLowerCase());
    const removedSet = new Set(removed);
    const attempted = ids.map((id) => id.toLowerCase()).filter((id) => outcome.get(id) !== 'not started');
    // Lost: a user the run took on (not left "not started" by the cancel) that is not removed, or a removal the
    // results do not show. Repeated: a user removed (or answered 200) more than once.
    const lost = attempted.filter((id) => !removedSet.has(id)).length
      + removed.filter((id) => outcome.get(id) !== 'removed').length;
    const repeated = (removed.length - removedSet.size) + (ok200.length - new Set(ok200).size);
    const done = removedSet.size;
    const seconds = removingMs / 1000;
    const bins = profile(deletes, startedAt, cancelledAt ?? endedAt);
    const perMinute = [];
    for (let m = 0; m * 60 < bins.length; m++) {
      const slice = bins.slice(m * 60, m * 60 + 60);
      perMinute.push(slice.reduce((a, b) => a + b, 0) / slice.length);
    }
    const firstAt = Math.min(...deletes.map((r) => r.at)), lastAt = Math.max(...deletes.map((r) => r.at));
    log(`rsa panel: ${done} removed in ${seconds.toFixed(1)} s (${(run.dom / 1000).toFixed(1)} s to the end), ${(done / seconds).toFixed(1)}/s, ${throttled} × 429 of ${deletes.length}, main thread busy ${(100 * mainBusy).toFixed(0)} %, sandbox CPU ${sandboxCpu.toFixed(1)} s`);

    // The peer: the reference's request with curl, one after another, on a fresh tenant.
    await sandbox.control('/sandbox/reset', {});
    const fresh = await sandbox.control('/sandbox/demo');
    const sample = eligible(await sandbox.control('/sandbox/tenant')).slice(0, CURL_SAMPLE);
    const idsFile = writeText('curl-ids.txt', sample.join('\n') + '\n');
    const script = 'while read -r id; do curl -s --cacert "$CA" -o /dev/null -w "%{http_code}\\n" -X DELETE '
      + '-H "Content-Type: application/json" -H "Authorization: Bearer $JWT" "$BASE/users/$id"; done < "$IDS"';
    log(`rsa curl: ${sample.length} sequential DELETEs…`);
    const t0 = performance.now();
    const out = spawnSync('bash', ['-c', script], {
      env: { ...process.env, JWT: fresh.rsa.jwt, BASE: fresh.rsa.adminRestApiUrl, IDS: idsFile, CA: sandbox.tls.certPath },
      encoding: 'utf8',
    });
    const curlSeconds = (performance.now() - t0) / 1000;
    const codes = out.stdout.trim().split('\n');
    const curlOk = codes.filter((c) => c === '200').length;
    log(`rsa curl: ${curlSeconds.toFixed(1)} s, ${(sample.length / curlSeconds).toFixed(1)}/s, ${curlOk} × 200`);

    return {
      planned: ids.length, users: done, cancelled: cancelledAt !== null, tenant: TENANT, rate: RATE,
      latencyMs: LATENCY_MS, seconds, achieved: done / seconds, results: results.length,
      deletes: deletes.length, throttled, throttledShare: throttled / deletes.length,
      lost, repeated, long, cancelLong, perMinute, totalSeconds: run.dom / 1000, mainBusy, flight, scriptBusy, sandboxCpu,
      firstRate: bins.slice(0, 10).reduce((a, b) => a + b, 0) / Math.min(10, bins.length),
      lastRate: bins.slice(-10).reduce((a, b) => a + b, 0) / Math.min(10, bins.length),
      activeSeconds: (lastAt - firstAt) / 1000,
      curl: { n: sample.length, ok: curlOk, seconds: curlSeconds, rate: sample.length / curlSeconds,
        projectedSeconds: curlSeconds / sample.length * ids.length },
      problems,
    };
  } finally {
    await browser.close();
    await sandbox.stop();
  }
}
