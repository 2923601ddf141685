// The periodic jobs of the application, in one list: what an API process with WORKERS=embedded and
// every `npm run worker` process run (src/plugins/background-jobs.ts, src/worker.ts).
import type { Kysely } from 'kysely';
import type { FastifyBaseLogger } from 'fastify';
import type { Database } from '../db/schema.js';
import type { Config } from '../config.js';
import type { PeriodicJob } from './periodic.js';
import { idempotencySweep } from './idempotency-sweep.js';

export type JobPeriods = Config['jobs']['periods'];

export function backgroundJobs(db: Kysely<Database>, log: FastifyBaseLogger, periods: JobPeriods): PeriodicJob[] {
  return [idempotencySweep(db, log, { periodMs: periods.idempotencySweepMs })];
}
