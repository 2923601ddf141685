// Removes expired Idempotency-Key records in the background: every minute, in batches read
// through the expires_at index, so no request ever pays for it and no run scans the whole table.
// Lookups ignore expired rows anyway (src/idempotency/idempotency.repository.ts), so when the
// sweep runs late nothing is replayed past its 24 hours. Several processes may sweep at once:
// each skips the rows another is deleting.
import fp from 'fastify-plugin';
import { deleteExpiredKeys } from '../idempotency/idempotency.repository.js';
import { IDEMPOTENCY_SWEEP_BATCH_SIZE, IDEMPOTENCY_SWEEP_MAX_BATCHES } from '../limits.js';

export interface IdempotencySweeperOptions {
  intervalMs?: number;
  batchSize?: number;
  /** Batches per run at most, so a backlog is worked off over several runs. */
  maxBatches?: number;
}

export default fp<IdempotencySweeperOptions>(
  async (app, { intervalMs = 60_000, batchSize = IDEMPOTENCY_SWEEP_BATCH_SIZE, maxBatches = IDEMPOTENCY_SWEEP_MAX_BATCHES }) => {
    let running: Promise<void> | undefined;
    const sweep = async () => {
      try {
        let removed = 0;
        for (let batch = 0; batch < maxBatches; batch++) {
          const n = await deleteExpiredKeys(app.db, batchSize);
          removed += n;
          if (n < batchSize) break;
        }
        if (removed > 0) app.log.info({ removed }, 'expired idempotency keys removed');
      } catch (error) {
        app.log.warn({ err: error }, 'could not remove expired idempotency keys; will retry');
      }
    };
    const timer = setInterval(() => {
      running ??= sweep().finally(() => (running = undefined));
    }, intervalMs);
    timer.unref();
    app.addHook('onClose', async () => {
      clearInterval(timer);
      await running;
    });
  },
  { name: 'idempotency-sweeper', dependencies: ['database'], decorators: { fastify: ['db'] } },
);
