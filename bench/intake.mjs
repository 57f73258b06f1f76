// Figures 1, 2 (intake), 3 and 7: a 1,000,000-row CSV taken in by the panel and by PapaParse in the same page,
// the long tasks while it is taken in, the preview of 1,000,000 rows and the memory it leaves behind.
import { join } from 'node:path';
import {
  ROOT, clickAndTime, log, next, openBenchPanel, quantile, stageFile, startLongTasks, stopLongTasks, userRows,
  writeLines,
} from './lib.mjs';

const ROWS = Number(process.env.BENCH_INTAKE_ROWS ?? 1_000_000);

/** Hands `#bench-file`'s File to the panel's file input; ms from the `change` event to `#intake-summary`. */
async function panelIntake(page) {
  return page.evaluate(() => new Promise((ok, fail) => {
    const file = document.getElementById('bench-file').files[0];
    const input = document.querySelector('.dropzone input[type=file]');
    const dt = new DataTransfer();
    dt.items.add(file);
    let t0;
    const mo = new MutationObserver(() => {
      const summary = document.getElementById('intake-summary');
      const error = document.querySelector('#step [role=alert]');
      if (summary || error) {
        const ms = performance.now() - t0;
        mo.disconnect();
        if (error) fail(new Error(`the panel refused the file: ${error.textContent}`));
        else ok({ ms, summary: summary.textContent, bytes: file.size });
      }
    });
    mo.observe(document.body, { childList: true, subtree: true, characterData: true });
    input.files = dt.files;
    t0 = performance.now();
    input.dispatchEvent(new Event('change', { bubbles: true }));
  }));
}

/** PapaParse on the same File: File → text → Papa.parse with header. */
async function papaIntake(page) {
  return page.evaluate(async () => {
    const file = document.getElementById('bench-file').files[0];
    const t0 = performance.now();
    const text = await file.text();
    const result = Papa.parse(text, { header: true, skipEmptyLines: true });
    const ms = performance.now() - t0;
    return { ms, rows: result.data.length, errors: result.errors.length };
  });
}

/** Reading the bytes alone (File → ArrayBuffer), the floor under both. */
async function readOnly(page) {
  return page.evaluate(async () => {
    const file = document.getElementById('bench-file').files[0];
    const t0 = performance.now();
    const buf = await file.arrayBuffer();
    return { ms: performance.now() - t0, bytes: buf.byteLength };
  });
}

/**
 * What first use of memory costs in this browser: 64 MiB of a new `WebAssembly.Memory` written once (every page
 * faulted in) and then again (already mapped). Returns ms per MB for both.
 */
async function freshMemoryCost(page) {
  return page.evaluate(() => {
    const memory = new WebAssembly.Memory({ initial: 1 });
    memory.grow(1024);
    const bytes = new Uint8Array(memory.buffer);
    let t0 = performance.now();
    bytes.fill(1);
    const first = performance.now() - t0;
    t0 = performance.now();
    bytes.fill(2);
    const again = performance.now() - t0;
    const mb = bytes.length / 1e6;
    return { firstMsPerMb: first / mb, againMsPerMb: again / mb };
  });
}

/** A fresh panel on the CSV step with the EPM target (its identifier is the `User Login` column). */
async function freshCsvStep(browser, sandbox, csvPath) {
  const opened = await openBenchPanel(browser, sandbox.url + '/');
  const { page } = opened;
  await page.check('#target-epm');
  await page.locator('nav.stepper a', { hasText: 'CSV' }).click();
  await page.waitForSelector('.dropzone input[type=file]', { state: 'attached' });
  await stageFile(page, csvPath);
  await page.addScriptTag({ path: join(ROOT, 'node_modules', 'papaparse', 'papaparse.min.js') });
  return opened;
}

async function memory(page, cdp) {
  await cdp.send('HeapProfiler.collectGarbage');
  await page.waitForTimeout(200);
  await cdp.send('HeapProfiler.collectGarbage');
  const heap = await cdp.send('Runtime.getHeapUsage');
  const wasm = await page.evaluate(() => window.__benchWasm.memory.buffer.byteLength);
  return { jsHeap: heap.usedSize, wasm, total: heap.usedSize + wasm };
}

async function scrollFrames(page, pxPerFrame, ms) {
  return page.evaluate(({ pxPerFrame, ms }) => new Promise((ok) => {
    const list = document.querySelector('.vlist');
    const firstRow = () => Number(list.querySelector('.vrow')?.getAttribute('aria-rowindex'));
    const startRow = firstRow();
    const deltas = [];
    let last, end;
    const step = (ts) => {
      deltas.push(ts - last);
      last = ts;
      if (ts < end) { list.scrollTop += pxPerFrame; requestAnimationFrame(step); }
      else ok({ deltas, startRow, endRow: firstRow(), scrollTop: list.scrollTop });
    };
    requestAnimationFrame((ts) => { last = ts; end = ts + ms; list.scrollTop += pxPerFrame; requestAnimationFrame(step); });
  }), { pxPerFrame, ms });
}

export async function runIntake(browser, sandbox) {
  const csv = await writeLines('users-1m.csv', userRows(ROWS));
  log(`intake: ${ROWS} rows, ${(csv.bytes / 1e6).toFixed(1)} MB`);

  // Run A: the panel's intake with long tasks, then memory, then the preview.
  const a = await freshCsvStep(browser, sandbox, csv.path);
  const cdp = await a.context.newCDPSession(a.page);
  const before = await memory(a.page, cdp);
  await startLongTasks(a.page);
  const panelA = await panelIntake(a.page);
  const intakeLong = await stopLongTasks(a.page);
  log(`intake A: ${panelA.ms.toFixed(0)} ms — ${panelA.summary}`);
  const mem = await memory(a.page, cdp);
  log(`memory after intake: heap ${(mem.jsHeap / 1e6).toFixed(1)} MB, wasm ${(mem.wasm / 1e6).toFixed(1)} MB`);

  await startLongTasks(a.page);
  const preview = await clickAndTime(a.page, '.step-nav .primary', '.vlist .vrow', 120_000);
  const previewLong = await stopLongTasks(a.page);
  const previewRows = await a.page.locator('#preview-counts [data-count=targets] strong').innerText();
  log(`preview: first rows ${preview.dom.toFixed(0)} ms (painted ${preview.painted.toFixed(0)} ms), ${previewRows} targets`);
  await a.page.waitForTimeout(500);
  await startLongTasks(a.page);
  const scroll = await scrollFrames(a.page, 120, 2000);
  const scrollLong = await stopLongTasks(a.page);
  const frames = scroll.deltas;
  const scrollStats = {
    p50: quantile(frames, 0.5), p95: quantile(frames, 0.95), max: Math.max(...frames),
    fps: frames.length / (frames.reduce((x, y) => x + y, 0) / 1000), frames: frames.length,
    rows: scroll.endRow - scroll.startRow, longMax: scrollLong.max,
  };
  log(`scroll: p50 ${scrollStats.p50.toFixed(1)} ms, p95 ${scrollStats.p95.toFixed(1)} ms, ${scrollStats.fps.toFixed(0)} fps, ${scrollStats.rows} rows passed`);

  // PapaParse in the same page, then the bytes alone.
  const papaA = await papaIntake(a.page);
  log(`papaparse A: ${papaA.ms.toFixed(0)} ms, ${papaA.rows} rows`);
  const read = await readOnly(a.page);
  const faults = await freshMemoryCost(a.page);
  log(`fresh memory: ${faults.firstMsPerMb.toFixed(2)} ms/MB on first use, ${faults.againMsPerMb.toFixed(2)} ms/MB after`);
  const problemsA = a.problems;
  await a.context.close();

  // Run B, on a fresh page: the other order, so neither side always runs on a warmer page.
  const b = await freshCsvStep(browser, sandbox, csv.path);
  const papaB = await papaIntake(b.page);
  await b.page.evaluate(() => new Promise((ok) => setTimeout(ok, 500)));
  const panelB = await panelIntake(b.page);
  log(`intake B: papaparse ${papaB.ms.toFixed(0)} ms, panel ${panelB.ms.toFixed(0)} ms`);
  // The preview a second time, as the intake: the figure is the better of the two.
  const previewB = await clickAndTime(b.page, '.step-nav .primary', '.vlist .vrow', 120_000);
  log(`preview B: first rows ${previewB.dom.toFixed(0)} ms (painted ${previewB.painted.toFixed(0)} ms)`);
  const problems = [...problemsA, ...b.problems];
  await b.context.close();

  const panelMs = Math.min(panelA.ms, panelB.ms);
  const papaMs = Math.min(papaA.ms, papaB.ms);
  return {
    rows: ROWS, bytes: csv.bytes, summary: panelA.summary,
    panel: { a: panelA.ms, b: panelB.ms, best: panelMs },
    papa: { a: papaA.ms, b: papaB.ms, best: papaMs, rows: papaA.rows },
    readMs: read.ms,
    faults,
    intakeLong, mem, memBefore: before,
    preview: {
      ...(previewB.painted < preview.painted ? previewB : preview),
      runs: [preview, previewB], long: previewLong, rows: previewRows.replaceAll(',', ''),
    },
    scroll: scrollStats,
    problems,
  };
}
