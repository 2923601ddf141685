// Runs the model-based isolation test (test/security/model.test.ts) with a chosen size:
//   npm run test:model -- --runs 12000 [--seed N] [--max-commands N]
// The options become MODEL_RUNS, MODEL_SEED and MODEL_MAX_COMMANDS; tap's per-file timeout is
// lifted, since long runs take minutes. TEST_DATABASE_URL, if set, is passed through (PostgreSQL).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const options: Record<string, string> = { '--runs': 'MODEL_RUNS', '--seed': 'MODEL_SEED', '--max-commands': 'MODEL_MAX_COMMANDS' };
const env: NodeJS.ProcessEnv = { ...process.env };
const args = process.argv.slice(2);
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--') continue;
  const [flag = '', inline] = args[i]!.split('=', 2);
  const name = options[flag];
  const value = inline ?? args[++i];
  if (!name || value === undefined || !/^-?\d+$/.test(value)) {
    console.error(`usage: npm run test:model -- [--runs N] [--seed N] [--max-commands N]  (got ${JSON.stringify(args[i] ?? args[i - 1])})`);
    process.exit(2);
  }
  env[name] = value;
}

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const tap = join(root, 'node_modules', '.bin', 'tap');
const started = Date.now();
const result = spawnSync(tap, ['--timeout=0', 'test/security/model.test.ts'], { cwd: root, env, stdio: 'inherit' });
console.log(
  `test:model: ${env.MODEL_RUNS ?? 'default'} runs, exit ${result.status ?? result.signal}, ${((Date.now() - started) / 1000).toFixed(1)} s wall`,
);
process.exit(result.status ?? 1);
