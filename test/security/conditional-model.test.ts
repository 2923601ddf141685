// Model-based isolation test for versions (ETag/If-Match/If-None-Match) and Idempotency-Keys:
// see conditional-model.ts. COND_MODEL_RUNS (default 300) sequences of a first task per user and up to 16 commands;
// COND_MODEL_SEED replays a run.
import t from 'tap';
import fc from 'fast-check';
import { build, DATABASE_KIND } from '../helper.js';
import { ConditionalModelRunner, condSequence } from './conditional-model.js';

const runs = Number(process.env.COND_MODEL_RUNS || 300);
const seed = process.env.COND_MODEL_SEED ? Number(process.env.COND_MODEL_SEED) : (Date.now() ^ (Math.random() * 0x100000000)) | 0;

const app = await build(t);

t.test(`${runs} random sequences: one user's keys and versions never affect another's (${DATABASE_KIND})`, async (t) => {
  const runner = new ConditionalModelRunner(app);
  t.comment(`conditional model: seed ${seed} (replay with COND_MODEL_SEED=${seed})`);
  try {
    await fc.assert(
      fc.asyncProperty(condSequence(16), (commands) => runner.run(commands)),
      { numRuns: runs, seed, includeErrorInReport: true },
    );
  } finally {
    t.comment(
      `conditional model: ${runner.stats.sequences} sequences, ${runner.stats.commands} requests, ${runner.stats.replays} replays; statuses ${JSON.stringify(runner.stats.byStatus)}`,
    );
  }
  t.pass(`${runner.stats.commands} requests matched the model`);
});
