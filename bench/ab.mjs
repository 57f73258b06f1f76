// A/B of the panel's intake between two built panels (folders), alternating fresh pages on the same file:
// `node bench/ab.mjs dist-a dist-b [rounds]`. Prints each run and the best of each. Not part of `make bench`.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { launchBrowser } from '../tests/e2e/harness.mjs';
import { ROOT, WORK, timeIntake, userRows, writeLines } from './lib.mjs';

const [distA, distB, rounds = '3'] = process.argv.slice(2);
const ROWS = Number(process.env.BENCH_INTAKE_ROWS ?? 1_000_000);

async function sandbox(dist) {
  const dataDir = mkdtempSync(join(tmpdir(), 'offboard-ab-'));
  const proc = spawn(join(ROOT, 'target', 'release', 'sandbox'),
    ['--port', '0', '--dist', resolve(ROOT, dist), '--data-dir', dataDir, '--users', '100'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: proc.stdout });
  const url = await new Promise((ok) => lines.on('line', (l) => { const m = /^SANDBOX_URL=(\S+)$/.exec(l); if (m) ok(m[1]); }));
  return { url, stop: () => { proc.kill('SIGTERM'); rmSync(dataDir, { recursive: true, force: true }); } };
}

async function intakeOnce(browser, url, csvPath) {
  const { ms, context } = await timeIntake(browser, url + '/', csvPath);
  await context.close();
  return ms;
}

const csv = await writeLines('ab.csv', userRows(ROWS));
const browser = await launchBrowser();
const a = await sandbox(distA), b = await sandbox(distB);
const runs = { [distA]: [], [distB]: [] };
try {
  for (let r = 0; r < Number(rounds); r++) {
    for (const [name, s] of r % 2 ? [[distB, b], [distA, a]] : [[distA, a], [distB, b]]) {
      const ms = await intakeOnce(browser, s.url, csv.path);
      runs[name].push(ms);
      console.log(`${name}: ${ms.toFixed(0)} ms`);
    }
  }
} finally {
  a.stop(); b.stop();
  await browser.close();
  rmSync(WORK, { recursive: true, force: true });
}
for (const [name, list] of Object.entries(runs)) {
  const sorted = [...list].sort((x, y) => x - y);
  console.log(`${name}: best ${sorted[0].toFixed(0)} ms, median ${sorted[Math.floor(sorted.length / 2)].toFixed(0)} ms`);
}
