// A CPU profile of one intake in the page, summed by function (self time): build a copy of the panel whose wasm
// keeps its names (`wasm-opt -Oz -g`), then `OFFBOARD_DIST=dist-prof node bench/profile_intake.mjs`.
// Not part of `make bench`.
import { rmSync } from 'node:fs';
import { launchBrowser } from '../tests/e2e/harness.mjs';
import { WORK, startSandbox, timeIntake, userRows, writeLines } from './lib.mjs';

const csv = await writeLines('profile.csv', userRows(Number(process.env.BENCH_INTAKE_ROWS ?? 1_000_000)));
const browser = await launchBrowser();
const sandbox = await startSandbox(['--users', '100']);
try {
  let cdp;
  const { ms, context } = await timeIntake(browser, sandbox.url + '/', csv.path, async ({ page, context }) => {
    cdp = await context.newCDPSession(page);
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
    await cdp.send('Profiler.start');
  });
  const { profile } = await cdp.send('Profiler.stop');
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  profile.samples.forEach((id, i) => {
    const name = nodes.get(id).callFrame.functionName || nodes.get(id).callFrame.url || '(anonymous)';
    self.set(name, (self.get(name) ?? 0) + profile.timeDeltas[i] / 1000);
  });
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  console.log(`intake ${ms.toFixed(0)} ms; ${total.toFixed(0)} ms sampled`);
  for (const [name, t] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 30)) {
    console.log(`${t.toFixed(1).padStart(7)} ms  ${name.slice(0, 140)}`);
  }
  await context.close();
} finally {
  await sandbox.stop();
  await browser.close();
  rmSync(WORK, { recursive: true, force: true });
}
