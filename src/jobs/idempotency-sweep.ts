// Removes expired Idempotency-Key records, once per period across all processes, in batches read
// through the expires_at index, so no request ever pays for it and no run scans the whole table.
// Lookups ignore expired rows anyway (src/idempotency/idempotency.repository.ts), so when a sweep
// runs late nothing is replayed past its 24 hours.
import type { Kysely } from 'kysely';
import type { FastifyBaseLogger } from 'fastify';
import type { Database } from '../db/schema.js';
import { deleteExpiredKeys } from '../idempotency/idempotency.repository.js';
import { IDEMPOTENCY_SWEEP_BATCH_SIZE, IDEMPOTENCY_SWEEP_MAX_BATCHES } from '../limits.js';
import type { PeriodicJob } from './periodic.js';

export interface SweepOptions {
  periodMs: number;
  batchSize?: number;
  /** Batches per run at most, so a backlog is worked off over several periods. */
  maxBatches?: number;
}

export function idempotencySweep(
  db: Kysely<Database>,
  log: Pick<FastifyBaseLogger, 'info'>,
  { periodMs, batchSize = IDEMPOTENCY_SWEEP_BATCH_SIZE, maxBatches = IDEMPOTENCY_SWEEP_MAX_BATCHES }: SweepOptions,
): PeriodicJob {
  return {
    name: 'idempotency-sweep',
    periodMs,
    async run(signal) {
      let removed = 0;
      // Each batch is its own statement: stopping between two leaves nothing half done.
      for (let batch = 0; batch < maxBatches && !signal.aborted; batch++) {
        const n = await deleteExpiredKeys(db, batchSize);
        removed += n;
        if (n < batchSize) break;
      }
      if (removed > 0) log.info({ removed }, 'expired idempotency keys removed');
    },
  };
}
