// The periodic-job helper (src/jobs/periodic.ts), in this process: two instances on one database
// (PGlite in memory, or PostgreSQL with TEST_DATABASE_URL) stand for two processes. Each period is
// run exactly once between them, consecutive periods are all run, a failure is recorded and the
// next period runs, and stop() starts nothing new and waits for a running job.
import t, { type Test } from 'tap';
import { sql } from 'kysely';
import { connect } from '../../src/db/connect.js';
import { startPeriodicJobs, type PeriodicJob } from '../../src/jobs/periodic.js';
import { migratedDatabase } from '../helper.js';

const PERIOD_MS = 400;
const quiet = { debug() {}, info() {}, warn() {} };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function openDatabase(t: Test) {
  const { db } = connect(await migratedDatabase(t));
  t.teardown(() => db.destroy());
  // Opened before the clock starts (PGlite loads at its first query).
  await sql`select 1`.execute(db);
  return db;
}

interface Row {
  period_ms: string;
  claimed_by: string;
  finished: boolean;
  error: string | null;
}

async function runs(db: Awaited<ReturnType<typeof openDatabase>>, job: string): Promise<Row[]> {
  const { rows } = await sql<Row>`
    select (extract(epoch from period_start) * 1000)::bigint::text as period_ms, claimed_by, finished_at is not null as finished, error
    from job_runs where job = ${job} order by period_start`.execute(db);
  return rows;
}

t.test('two instances on one database: every period runs exactly once, none skipped', async (t) => {
  const db = await openDatabase(t);
  const ranBy: string[] = [];
  const job = (by: string): PeriodicJob => ({ name: 'counted', periodMs: PERIOD_MS, run: async () => void ranBy.push(by) });
  const a = startPeriodicJobs(db, [job('a')], { log: quiet, claimedBy: 'a' });
  const b = startPeriodicJobs(db, [job('b')], { log: quiet, claimedBy: 'b' });
  for (let i = 0; i < 300 && ranBy.length < 6; i++) await sleep(50);
  await Promise.all([a.stop(), b.stop()]);

  const rows = await runs(db, 'counted');
  const periods = rows.map((r) => Number(r.period_ms));
  t.ok(rows.length >= 6, `${rows.length} periods claimed`);
  t.equal(new Set(periods).size, periods.length, 'one claim per period');
  t.same(
    periods.slice(1).map((p, i) => p - periods[i]!),
    periods.slice(1).map(() => PERIOD_MS),
    'consecutive periods, none skipped',
  );
  t.equal(ranBy.length, rows.length, 'one run per claimed period, in one instance or the other');
  t.same(
    ranBy.filter((by) => by === 'a').length,
    rows.filter((r) => r.claimed_by === 'a').length,
    'a ran exactly the periods it claimed (and so did b)',
  );
  t.ok(
    rows.every((r) => r.finished && r.error === null),
    'each run recorded as finished',
  );
  const after = ranBy.length;
  await sleep(PERIOD_MS * 2);
  t.equal(ranBy.length, after, 'nothing runs after stop()');
});

t.test('a failing run is recorded and logged; the next period runs again', async (t) => {
  const db = await openDatabase(t);
  let calls = 0;
  const warnings: string[] = [];
  const log = { ...quiet, warn: (...args: unknown[]) => void warnings.push(String(args[1])) };
  const jobs = startPeriodicJobs(
    db,
    [
      {
        name: 'flaky',
        periodMs: PERIOD_MS,
        run: async () => {
          if (++calls === 1) throw new Error('the first run fails');
        },
      },
    ],
    { log },
  );
  for (let i = 0; i < 50 && calls < 2; i++) await sleep(50);
  await jobs.stop();
  const rows = await runs(db, 'flaky');
  t.ok(calls >= 2, 'it ran again in the next period');
  t.equal(rows[0]?.error, 'the first run fails');
  t.equal(rows[1]?.error, null);
  t.match(warnings, ['periodic job failed; it runs again next period']);
});

t.test('stop(): no new run starts; a running job is told to stop and awaited, within its bound', async (t) => {
  const db = await openDatabase(t);
  let started = 0;
  let sawAbort = false;
  const slow: PeriodicJob = {
    name: 'slow',
    periodMs: PERIOD_MS,
    run: async (signal) => {
      started++;
      while (!signal.aborted) await sleep(10);
      await sleep(100);
      sawAbort = true;
    },
  };
  const jobs = startPeriodicJobs(db, [slow], { log: quiet });
  for (let i = 0; i < 50 && started === 0; i++) await sleep(20);
  t.equal(started, 1, 'running');
  const stopping = Date.now();
  await jobs.stop();
  t.ok(sawAbort, 'stop() waited for the running job to end');
  t.ok(Date.now() - stopping < 2_000, 'promptly');
  await sleep(PERIOD_MS * 2);
  t.equal(started, 1, 'no run started after stop()');

  const stuck = startPeriodicJobs(db, [{ name: 'stuck', periodMs: PERIOD_MS, run: () => new Promise(() => {}) }], {
    log: quiet,
    stopWaitMs: 100,
  });
  await sleep(100);
  const before = Date.now();
  await stuck.stop();
  t.ok(Date.now() - before < 1_000, 'a job that never ends does not hold stop() past its bound');
});
