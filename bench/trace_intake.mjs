// Where the intake's wall time goes on the page's main thread: a Chrome trace of one intake, summed by task.
// `OFFBOARD_DIST=dist-perf node bench/trace_intake.mjs` (not part of `make bench`).
import { rmSync } from 'node:fs';
import { launchBrowser } from '../tests/e2e/harness.mjs';
import { WORK, startSandbox, timeIntake, userRows, writeLines } from './lib.mjs';

const csv = await writeLines('trace.csv', userRows(Number(process.env.BENCH_INTAKE_ROWS ?? 1_000_000)));
const browser = await launchBrowser();
const sandbox = await startSandbox(['--users', '100']);
try {
  const events = [];
  let cdp, done;
  const { ms, context } = await timeIntake(browser, sandbox.url + '/', csv.path, async ({ page, context }) => {
    cdp = await context.newCDPSession(page);
    cdp.on('Tracing.dataCollected', (d) => events.push(...d.value));
    done = new Promise((ok) => cdp.once('Tracing.tracingComplete', ok));
    await cdp.send('Tracing.start', { categories: 'devtools.timeline,disabled-by-default-devtools.timeline,v8.execute,blink.user_timing', transferMode: 'ReportEvents' });
  });
  await cdp.send('Tracing.end');
  await done;
  const start = events.find((e) => e.name === 'intake-start');
  const end = events.find((e) => e.name === 'intake-end');
  const main = start.tid;
  const tasks = events.filter((e) => e.tid === main && e.ph === 'X' && e.name === 'RunTask' && e.ts >= start.ts && e.ts <= end.ts)
    .sort((a, b) => a.ts - b.ts);
  const busy = tasks.reduce((s, t) => s + t.dur, 0) / 1000;
  // Thread time: what the tasks cost on a CPU, which other work on a shared machine does not inflate.
  const onCpu = tasks.reduce((s, t) => s + (t.tdur ?? 0), 0) / 1000;
  const total = (end.ts - start.ts) / 1000;
  console.log(`intake ${ms.toFixed(0)} ms; trace window ${total.toFixed(0)} ms; main thread busy ${busy.toFixed(0)} ms `
    + `(${onCpu.toFixed(0)} ms on a CPU) in ${tasks.length} tasks`);
  let prev = start.ts;
  const rows = [];
  for (const t of tasks) {
    const gap = (t.ts - prev) / 1000;
    const inner = events.filter((e) => e.tid === main && e.ph === 'X' && e.ts >= t.ts && e.ts + e.dur <= t.ts + t.dur && e.name !== 'RunTask' && e.dur > 500)
      .sort((a, b) => b.dur - a.dur).slice(0, 2).map((e) => `${e.name} ${(e.dur / 1000).toFixed(1)}`).join(', ');
    if (t.dur > 1000 || gap > 2) rows.push(`+${((t.ts - start.ts) / 1000).toFixed(0).padStart(4)} gap ${gap.toFixed(1).padStart(5)}  task ${(t.dur / 1000).toFixed(1).padStart(5)}  ${inner}`);
    prev = t.ts + t.dur;
  }
  console.log(rows.join('\n'));
  console.log(`gap after the last task ${((end.ts - prev) / 1000).toFixed(1)} ms`);
  await context.close();
} finally {
  await sandbox.stop();
  await browser.close();
  rmSync(WORK, { recursive: true, force: true });
}
