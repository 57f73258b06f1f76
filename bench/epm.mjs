// Figure 5: EPM logins removed in batches (upload, removal job, polling, clean-up) against the sandbox's job
// speed: the run's total time against the time the sandbox itself needs for the users (users / speed).
import {
  clickAndTime, connectAndConfirm, log, openBenchPanel, startLongTasks, startSandbox, stopLongTasks, writeLines,
} from './lib.mjs';

const USERS = Number(process.env.BENCH_EPM_USERS ?? 100_000);
const SPEED = Number(process.env.BENCH_EPM_SPEED ?? 500);
const BATCH = process.env.BENCH_EPM_BATCH; // unset: the panel's default batch size

export async function runEpm(browser) {
  const sandbox = await startSandbox(['--users', String(USERS), '--epm-users-per-sec', String(SPEED)]);
  try {
    const tenant = await sandbox.control('/sandbox/tenant');
    const logins = tenant.epm.map((u) => u.userlogin)
      .filter((l) => l.toLowerCase() !== tenant.epmAdmin.toLowerCase()).slice(0, USERS);
    const csv = await writeLines('epm-logins.csv', ['User Login', ...logins]);
    const demo = await sandbox.control('/sandbox/demo');

    const { page, context, problems } = await openBenchPanel(browser, sandbox.url + '/');
    await page.check('#target-epm');
    await page.fill('#epm-base', demo.epm.baseUrl);
    await page.fill('#epm-user', demo.epm.user);
    await page.fill('#epm-password', demo.epm.password);
    if (BATCH) {
      await page.fill('#epm-batch', BATCH);
      await page.locator('#epm-batch').dispatchEvent('change');
    }
    const batchSize = Number(await page.inputValue('#epm-batch'));
    await connectAndConfirm(page, csv.path, logins.length);
    const requestsBefore = (await sandbox.control('/sandbox/requests')).length;
    log(`epm: removing ${logins.length} logins in batches of ${batchSize} at ${SPEED} users/s…`);
    await startLongTasks(page);
    const run = await clickAndTime(page, '#start-run', '#see-results');
    const long = await stopLongTasks(page);
    const removedShown = Number((await page.locator('.bar-row[data-outcome=removed] .bar-count').innerText()).replaceAll(',', ''));
    await context.close();

    const seconds = run.dom / 1000;
    const ideal = logins.length / SPEED;
    const audit = (await sandbox.control('/sandbox/audit')).filter((a) => a.action === 'remove');
    const requests = (await sandbox.control('/sandbox/requests')).slice(requestsBefore);
    // Where the time beyond the jobs goes: per batch, from its job's start (DELETE …/users) to the expected end
    // (batch / speed), to the poll that saw it finished, to the next batch's job start.
    const starts = requests.filter((r) => r.method === 'DELETE' && r.path.endsWith('/security/v1/users'));
    const polls = requests.filter((r) => r.method === 'GET' && r.path.includes('/security/v1/jobs/'));
    const pollLag = [], between = [];
    starts.forEach((s, i) => {
      const end = starts[i + 1]?.at ?? Infinity;
      const mine = polls.filter((p) => p.at > s.at && p.at < end);
      const size = Math.min(batchSize, logins.length - i * batchSize);
      if (mine.length) pollLag.push(mine[mine.length - 1].at - (s.at + (1000 * size) / SPEED));
      if (mine.length && starts[i + 1]) between.push(starts[i + 1].at - mine[mine.length - 1].at);
    });
    const mean = (a) => (a.length ? a.reduce((x, y) => x + y, 0) / a.length : NaN);
    log(`epm: ${seconds.toFixed(1)} s for ${logins.length} (ideal ${ideal.toFixed(1)} s), ${starts.length} jobs, ${polls.length} polls, `
      + `longest task ${long.max.toFixed(0)} ms (${long.count} long tasks: ${long.list.map((t) => `${t.duration.toFixed(0)} ms at +${((t.start - long.since) / 1000).toFixed(1)} s`).join(', ')})`);
    return {
      users: logins.length, speed: SPEED, batchSize, jobs: starts.length, polls: polls.length,
      seconds, ideal, ratio: seconds / ideal, removedShown, removedAudit: new Set(audit.map((a) => a.user.toLowerCase())).size,
      pollLagMs: mean(pollLag), betweenMs: mean(between), long, problems,
    };
  } finally {
    await sandbox.stop();
  }
}
