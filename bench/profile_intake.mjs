// A CPU profile of one intake in the page, summed by function (self time): build a copy of the panel whose wasm
// keeps its names (`wasm-opt -Oz -g`), then `OFFBOARD_DIST=dist-prof node bench/profile_intake.mjs`.
// Not part of `make bench`.
import { rmSync } from 'node:fs';
import { launchBrowser } from '../tests/e2e/harness.mjs';
import { WORK, openBenchPanel, stageFile, startSandbox, userRows, writeLines } from './lib.mjs';

const csv = await writeLines('profile.csv', userRows(Number(process.env.BENCH_INTAKE_ROWS ?? 1_000_000)));
const browser = await launchBrowser();
const sandbox = await startSandbox(['--users', '100']);
try {
  const { page, context } = await openBenchPanel(browser, sandbox.url + '/');
  await page.check('#target-epm');
  await page.locator('nav.stepper a', { hasText: 'CSV' }).click();
  await page.waitForSelector('.dropzone input[type=file]', { state: 'attached' });
  await stageFile(page, csv.path);
  const cdp = await context.newCDPSession(page);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
  await cdp.send('Profiler.start');
  const ms = await page.evaluate(() => new Promise((ok) => {
    const file = document.getElementById('bench-file').files[0];
    const input = document.querySelector('.dropzone input[type=file]');
    const dt = new DataTransfer();
    dt.items.add(file);
    const mo = new MutationObserver(() => {
      if (document.getElementById('intake-summary')) { mo.disconnect(); ok(performance.now() - t0); }
    });
    mo.observe(document.body, { childList: true, subtree: true, characterData: true });
    input.files = dt.files;
    const t0 = performance.now();
    input.dispatchEvent(new Event('change', { bubbles: true }));
  }));
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
