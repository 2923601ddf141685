// Model-based isolation test: fast-check generates random sequences of every task operation in
// both route families, sent by four users (some with odd characters) against one app; an
// in-memory model predicts each answer (status, and every field of every task returned), task
// ids are drawn from the caller's own tasks, other users' tasks (the attack), deleted tasks and
// random UUIDs, and no response may carry a byte of another user's data. See model-commands.ts,
// model-state.ts and model-runner.ts.
//
// MODEL_RUNS (default 1000) sequences, each: up to one first task per user, then
// 1..MODEL_MAX_COMMANDS (default 10) commands of any kind. MODEL_SEED replays a run. Long runs: npm run test:model -- --runs 12000
import t from 'tap';
import fc from 'fast-check';
import { build, DATABASE_KIND } from '../helper.js';
import { sequence } from './model-commands.js';
import { ModelRunner } from './model-runner.js';

const positiveInt = (name: string, fallback: number): number => {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 1) throw new Error(`${name} must be a positive integer, got ${raw}`);
  return value;
};
const runs = positiveInt('MODEL_RUNS', 1000);
const maxCommands = positiveInt('MODEL_MAX_COMMANDS', 10);
const seed = process.env.MODEL_SEED ? Number(process.env.MODEL_SEED) : (Date.now() ^ (Math.random() * 0x100000000)) | 0;

const app = await build(t);

t.test(`${runs} random command sequences keep every user's tasks to that user (${DATABASE_KIND})`, async (t) => {
  const runner = new ModelRunner(app);
  await runner.init();
  t.comment(`model: seed ${seed} (replay with MODEL_SEED=${seed}), ${runs} runs of ≤4 first creates + 1..${maxCommands} commands`);
  const started = performance.now();
  try {
    await fc.assert(
      fc.asyncProperty(sequence(maxCommands), (commands) => runner.run(commands)),
      // includeErrorInReport: the failing sequence's request log comes with the counterexample.
      { numRuns: runs, seed, includeErrorInReport: true },
    );
  } finally {
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    const { sequences, commands, requests, byStatus, byTarget } = runner.stats;
    t.comment(
      `model: ${sequences} sequences, ${commands} operations (${requests} requests), ${seconds} s, database ${DATABASE_KIND}; ` +
        `statuses ${JSON.stringify(byStatus)}; task ids drawn ${JSON.stringify(byTarget)}`,
    );
  }
  t.pass(`${runner.stats.commands} operations matched the model`);
});
