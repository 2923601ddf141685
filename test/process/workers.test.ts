// Background work across real processes: two API processes (WORKERS=embedded, so they run the jobs
// too) and two `worker` processes on one PostgreSQL database, the sweep's period shortened to
// PERIOD_SECONDS. Every period from the first run to the last is run exactly once among the four
// (each process logs the periods it ran; job_runs names the same process), and on SIGTERM each
// process stops cleanly with exit 0. Needs TEST_DATABASE_URL: the embedded database is one process.
import t from 'tap';
import { sql } from 'kysely';
import { connect } from '../../src/db/connect.js';
import { freshDatabase, POSTGRES_URL, SECRET } from '../helper.js';
import { startServer } from '../support/server-process.js';
import { startSource } from '../support/source-process.js';

const PERIOD_SECONDS = 1;
const PERIODS = 6;

interface Proc {
  readonly name: string;
  readonly pid: number;
  output(): string;
  stop(): Promise<number | null>;
}

/** `npm run worker` without the build step; resolves once it logged "worker started". */
async function startWorker(env: Record<string, string>, cwd: string): Promise<Proc & { pid: number }> {
  const { child, exited, waitFor, output } = startSource('worker.ts', env, cwd);
  await waitFor(/"worker started"/, 60_000).catch((error: Error) => {
    throw new Error(`the worker did not start: ${error.message}`);
  });
  return { name: `worker ${child.pid}`, pid: child.pid!, output, stop: () => (child.kill('SIGTERM'), exited) };
}

/** The periods (epoch ms) this process's log says it ran. */
function periodsRun(output: string): number[] {
  return output
    .split('\n')
    .filter((line) => line.includes('"periodic job ran"'))
    .map((line) => JSON.parse(line) as { job: string; period: string })
    .filter((entry) => entry.job === 'idempotency-sweep')
    .map((entry) => Date.parse(entry.period));
}

t.test(
  'two API processes and two workers on one database: each period of the sweep runs exactly once',
  { skip: !POSTGRES_URL && 'needs TEST_DATABASE_URL (runs in the PostgreSQL pass of .ci/run)' },
  async (t) => {
    const target = await freshDatabase(t);
    if (target.kind !== 'postgres') throw new Error('unreachable');
    const dir = t.testdir();
    const env = {
      NODE_ENV: 'development',
      BETTER_AUTH_SECRET: SECRET,
      DATABASE_URL: target.url,
      DATA_DIR: dir,
      LOG_LEVEL: 'debug',
      WORKERS: 'embedded',
      IDEMPOTENCY_SWEEP_INTERVAL_SECONDS: String(PERIOD_SECONDS),
    };
    // The first API process migrates the fresh database; the others find it current.
    const apiA = await startServer(env, dir);
    const processes: Proc[] = [{ name: `api ${apiA.child.pid}`, pid: apiA.child.pid!, output: apiA.notes, stop: () => stopServer(apiA) }];
    t.teardown(() => {
      // Those still running after a failure; the others have exited already.
      for (const p of processes) if (isRunning(p.pid)) process.kill(p.pid, 'SIGKILL');
    });
    const [apiB, workerA, workerB] = await Promise.all([startServer(env, dir), startWorker(env, dir), startWorker(env, dir)]);
    processes.push(
      { name: `api ${apiB.child.pid}`, pid: apiB.child.pid!, output: apiB.notes, stop: () => stopServer(apiB) },
      workerA,
      workerB,
    );

    // Every process ran or lost the claim for PERIODS periods once all four are up.
    await new Promise((resolve) => setTimeout(resolve, (PERIODS + 0.5) * PERIOD_SECONDS * 1000));
    const codes = await Promise.all(processes.map((p) => p.stop()));
    t.same(codes, [0, 0, 0, 0], 'each process stopped cleanly on SIGTERM (exit 0)');

    const byProcess = processes.map((p) => ({ name: p.name, pid: p.pid, periods: periodsRun(p.output()) }));
    const all = byProcess.flatMap((p) => p.periods).sort((a, b) => a - b);
    t.ok(all.length >= PERIODS, `${all.length} periods run`);
    t.equal(new Set(all).size, all.length, 'no period ran twice');
    t.same(
      all.slice(1).map((p, i) => p - all[i]!),
      all.slice(1).map(() => PERIOD_SECONDS * 1000),
      'no period between the first and the last was skipped',
    );
    t.comment(byProcess.map((p) => `${p.name}: ${p.periods.length} runs`).join(', '));

    const { db } = connect(target);
    t.teardown(() => db.destroy());
    const { rows } = await sql<{ period_ms: string; claimed_by: string; finished: boolean }>`
      select (extract(epoch from period_start) * 1000)::bigint::text as period_ms, claimed_by, finished_at is not null as finished
      from job_runs where job = 'idempotency-sweep' order by period_start`.execute(db);
    t.same(
      rows.filter((r) => r.finished).map((r) => Number(r.period_ms)),
      all,
      'job_runs holds the same periods, each finished',
    );
    for (const row of rows.filter((r) => r.finished)) {
      const runner = byProcess.find((p) => p.periods.includes(Number(row.period_ms)));
      t.ok(runner && row.claimed_by.endsWith(`:${runner.pid}`), `period ${row.period_ms} claimed by the process that ran it`);
    }
  },
);

async function stopServer(server: Awaited<ReturnType<typeof startServer>>): Promise<number | null> {
  server.child.kill('SIGTERM');
  return (await server.exited).code;
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
