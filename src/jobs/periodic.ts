// Periodic jobs: each job runs once per period across every process that runs jobs (API processes
// with WORKERS=embedded, `npm run worker` processes), however many there are.
//
// Periods are cut from the database's clock (period_start = now() rounded down to a multiple of the
// period), so processes on machines whose clocks differ still agree on them. At each period every
// process tries to claim it: one INSERT … ON CONFLICT DO NOTHING into job_runs (job, period_start),
// whose primary key lets exactly one insert in; only that process runs the job. One statement and
// no session state (no session-level advisory lock), so it works through PgBouncer's transaction
// pooling, and on PGlite (one process) alike. A process then sleeps until the database's next period
// begins (plus a little jitter, so contenders do not all arrive in the same millisecond).
//
// A failed run is logged and recorded (job_runs.error); the next period runs again. A claimed
// period whose process dies stays claimed: that period is skipped, the next one runs.
// stop(): no run starts after it is called; a running one is told (its AbortSignal) and awaited,
// at most `stopWaitMs`.
import { hostname } from 'node:os';
import { sql, type Kysely } from 'kysely';
import type { FastifyBaseLogger } from 'fastify';
import type { Database } from '../db/schema.js';
import { systemTable } from '../db/owned.js';
import { JOB_CLAIM_JITTER_MS, JOB_RUN_HISTORY_PERIODS, JOB_STOP_WAIT_MS } from '../limits.js';

const JOB_RUNS = systemTable('job_runs');

export interface PeriodicJob {
  /** Unique among jobs: the key of its claims in job_runs. */
  readonly name: string;
  readonly periodMs: number;
  /** One run. `signal` aborts when the process stops: a long run should end early (its work resumes next period). */
  run(signal: AbortSignal): Promise<void>;
}

export interface PeriodicJobsOptions {
  log: Pick<FastifyBaseLogger, 'debug' | 'info' | 'warn'>;
  /** Who claims, in job_runs.claimed_by (default: host:pid). */
  claimedBy?: string;
  /** How long stop() waits for a running job (default JOB_STOP_WAIT_MS). */
  stopWaitMs?: number;
  /** Whether the timers between periods keep the process alive: the worker's must, an API process's need not. */
  keepAlive?: boolean;
}

export interface PeriodicJobs {
  /** No run starts after this is called; resolves once the running ones ended or stopWaitMs passed. */
  stop(): Promise<void>;
}

interface Claim {
  claimed: boolean;
  periodStartMs: number;
  msToNextPeriod: number;
}

/** Claims the database's current period of `job` for `claimedBy`; says whether this claim won, and how far the next period is. */
async function claimPeriod(db: Kysely<Database>, job: string, periodMs: number, claimedBy: string): Promise<Claim> {
  // The only table this SQL names is job_runs, through systemTable(); `from period`, `from claim` and
  // `epoch from now()` are its own CTEs and functions, which the owner rule cannot tell from tables.
  /* eslint-disable no-restricted-syntax */
  const { rows } = await sql<{ claimed: boolean; period_start_ms: string; ms_to_next: string }>`
    with period as (
      select floor(extract(epoch from now()) * 1000 / ${periodMs}::bigint)::bigint * ${periodMs}::bigint as start_ms,
             extract(epoch from now()) * 1000 as now_ms
    ), claim as (
      insert into ${JOB_RUNS} (job, period_start, claimed_by)
      select ${job}, to_timestamp(start_ms / 1000.0), ${claimedBy} from period
      on conflict do nothing
      returning 1
    )
    select exists (select 1 from claim) as claimed, start_ms::text as period_start_ms,
           ceil(start_ms + ${periodMs}::bigint - now_ms)::bigint::text as ms_to_next
    from period`.execute(db);
  /* eslint-enable no-restricted-syntax */
  const row = rows[0]!;
  return { claimed: row.claimed, periodStartMs: Number(row.period_start_ms), msToNextPeriod: Math.max(0, Number(row.ms_to_next)) };
}

/** Records how a claimed run ended, and forgets runs older than JOB_RUN_HISTORY_PERIODS periods. */
async function recordEnd(db: Kysely<Database>, job: PeriodicJob, periodStartMs: number, error: string | null): Promise<void> {
  await sql`
    update ${JOB_RUNS} set finished_at = now(), error = ${error}
    where job = ${job.name} and period_start = to_timestamp(${periodStartMs}::bigint / 1000.0)`.execute(db);
  await sql`
    delete from ${JOB_RUNS}
    where job = ${job.name} and period_start < to_timestamp((${periodStartMs}::bigint - ${job.periodMs * JOB_RUN_HISTORY_PERIODS}::bigint) / 1000.0)`.execute(
    db,
  );
}

/** Gives a period back (claimed while this process began to stop), so another process may still run it. */
async function releaseClaim(db: Kysely<Database>, job: string, periodStartMs: number): Promise<void> {
  await sql`delete from ${JOB_RUNS} where job = ${job} and period_start = to_timestamp(${periodStartMs}::bigint / 1000.0)`.execute(db);
}

/** Starts every job's loop at once (the first claim is for the current period). */
export function startPeriodicJobs(db: Kysely<Database>, jobs: readonly PeriodicJob[], options: PeriodicJobsOptions): PeriodicJobs {
  const { log, claimedBy = `${hostname()}:${process.pid}`, stopWaitMs = JOB_STOP_WAIT_MS, keepAlive = false } = options;
  const names = new Set(jobs.map((j) => j.name));
  if (names.size !== jobs.length) throw new Error('periodic job names must be unique');
  const stopping = new AbortController();
  const timers = new Set<NodeJS.Timeout>();
  const running = new Set<Promise<void>>();

  const schedule = (job: PeriodicJob, delayMs: number) => {
    if (stopping.signal.aborted) return;
    const timer = setTimeout(() => {
      timers.delete(timer);
      const turn = tick(job);
      running.add(turn);
      void turn.finally(() => running.delete(turn));
    }, delayMs);
    if (!keepAlive) timer.unref();
    timers.add(timer);
  };

  const tick = async (job: PeriodicJob): Promise<void> => {
    let next = job.periodMs;
    try {
      const claim = await claimPeriod(db, job.name, job.periodMs, claimedBy);
      next = claim.msToNextPeriod;
      if (claim.claimed && stopping.signal.aborted) await releaseClaim(db, job.name, claim.periodStartMs);
      else if (claim.claimed) await runClaimed(job, claim.periodStartMs);
    } catch (error) {
      log.warn({ err: error, job: job.name }, 'could not claim a period of a periodic job; trying again next period');
    }
    schedule(job, next + Math.floor(Math.random() * Math.min(JOB_CLAIM_JITTER_MS, job.periodMs / 10)));
  };

  const runClaimed = async (job: PeriodicJob, periodStartMs: number) => {
    const period = new Date(periodStartMs).toISOString();
    const started = performance.now();
    let failure: string | null = null;
    try {
      await job.run(stopping.signal);
      log.debug({ job: job.name, period, ms: Math.round(performance.now() - started) }, 'periodic job ran');
    } catch (error) {
      failure = error instanceof Error ? error.message : String(error);
      log.warn({ err: error, job: job.name, period }, 'periodic job failed; it runs again next period');
    }
    await recordEnd(db, job, periodStartMs, failure);
  };

  for (const job of jobs) schedule(job, 0);

  return {
    async stop() {
      stopping.abort();
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      if (running.size === 0) return;
      let bound: NodeJS.Timeout | undefined;
      const outOfTime = new Promise<'timeout'>((resolve) => (bound = setTimeout(() => resolve('timeout'), stopWaitMs)));
      const outcome = await Promise.race([Promise.allSettled([...running]).then(() => 'done' as const), outOfTime]);
      clearTimeout(bound);
      if (outcome === 'timeout') log.warn({ waitedMs: stopWaitMs }, 'periodic jobs still running at shutdown; leaving them');
    },
  };
}
