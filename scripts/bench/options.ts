// The command line of `npm run bench` (node:util parseArgs). The defaults are the measuring method
// of docs/PERFORMANCE.md; --quick is the smoke run CI makes; --embedded measures PGlite.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { SCENARIOS, type Scenario } from './plans.js';

const TOOLS = ['wrk', 'autocannon'] as const;
export type Tool = (typeof TOOLS)[number];

export interface Options {
  tools: Tool[];
  scenarios: Scenario[];
  runs: number;
  duration: number;
  warmup: number;
  connections: number;
  /** wrk threads (2: one per core of the reference machine of docs/PERFORMANCE.md). */
  threads: number;
  users: number;
  tasksPerUser: number;
  /** DB_POOL_MAX of every server. */
  pool: number;
  /** Before each measured round, wait up to this many seconds for the machine to be quiet (0: never). */
  settle: number;
  /** Measure the load generator against raw node:http too (the proof it is not the bottleneck). */
  loadgenCheck: boolean;
  /** The bare Fastify + pg server next to ours (not in --embedded: it needs PostgreSQL). */
  ceiling: boolean;
  /** Also measure the app built from this git commit (ours as it was): both ratios in the same run. */
  baseline: string | undefined;
  /** Ours on PGlite in a fresh data folder (what `npm start` gives without DATABASE_URL), with a read-your-writes checker. */
  embedded: boolean;
  /** The PostgreSQL server's admin URL; the bench makes a fresh `database` there. */
  postgres: string;
  database: string;
  build: boolean;
  /** A V8 CPU profile of ours (node --cpu-prof) into .data/bench/profiles/. */
  profile: boolean;
  /** Extra environment of ours (and of the baseline), e.g. DB_PREPARED_STATEMENTS=off for an A/B run. */
  oursEnv: Record<string, string>;
}

const USAGE = `npm run bench -- [--quick] [--embedded] [--tools wrk,autocannon] [--scenarios list,get,create,mixed]
  [--runs N] [--duration S] [--warmup S] [--connections C] [--threads T] [--users N] [--tasks-per-user N]
  [--pool N] [--settle S] [--no-loadgen-check] [--no-ceiling] [--baseline GIT-REF] [--profile]
  [--ours-env KEY=VALUE]… [--postgres ADMIN-URL] [--database NAME] [--skip-build]`;

const SPEC = {
  quick: { type: 'boolean' },
  embedded: { type: 'boolean' },
  tools: { type: 'string' },
  scenarios: { type: 'string' },
  runs: { type: 'string' },
  duration: { type: 'string' },
  warmup: { type: 'string' },
  connections: { type: 'string' },
  threads: { type: 'string', default: '2' },
  users: { type: 'string' },
  'tasks-per-user': { type: 'string', default: '20' },
  pool: { type: 'string', default: '10' },
  settle: { type: 'string', default: '0' },
  'no-loadgen-check': { type: 'boolean' },
  'no-ceiling': { type: 'boolean' },
  baseline: { type: 'string' },
  profile: { type: 'boolean' },
  'ours-env': { type: 'string', multiple: true },
  postgres: { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/postgres' },
  database: { type: 'string', default: 'todo_bench' },
  'skip-build': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

function int(flag: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`--${flag} needs an integer from ${min} to ${max}`);
  return n;
}

function list<T extends string>(flag: string, value: string, allowed: readonly T[]): T[] {
  const items = [...new Set(value.split(',').map((s) => s.trim()))];
  if (items.some((s) => !allowed.includes(s as T))) throw new Error(`--${flag} takes a comma list of: ${allowed.join(', ')}`);
  return items as T[];
}

export function parseOptions(argv: string[]): Options {
  const { values: v } = parseArgs({ args: argv, options: SPEC, strict: true, allowPositionals: false });
  if (v.help) {
    const doc = readFileSync(new URL('../../docs/PERFORMANCE.md', import.meta.url), 'utf8');
    process.stdout.write(`${USAGE}\n\n${doc.split('\n## ')[0]}\n`);
    process.exit(0);
  }
  // --quick: one short round per server and scenario with both load generators, to prove the bench works (about a minute).
  const quick = v.quick === true;
  const embedded = v.embedded === true;
  const given = (value: string | undefined, whenQuick: string, otherwise: string) => value ?? (quick ? whenQuick : otherwise);
  const oursEnv: Record<string, string> = {};
  for (const pair of v['ours-env'] ?? []) {
    const [key, ...rest] = pair.split('=');
    if (!key || !/^[A-Z_][A-Z0-9_]*$/.test(key) || rest.length === 0) throw new Error('--ours-env takes KEY=VALUE');
    oursEnv[key] = rest.join('=');
  }
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(v.database)) throw new Error('--database must be a plain lower-case PostgreSQL identifier');
  const options: Options = {
    tools: list('tools', given(v.tools, 'wrk,autocannon', 'wrk'), TOOLS),
    scenarios: list('scenarios', v.scenarios ?? SCENARIOS.join(','), SCENARIOS),
    runs: int('runs', given(v.runs, '1', '3'), 1, 50),
    duration: int('duration', given(v.duration, '1', '15'), 1, 600),
    warmup: int('warmup', given(v.warmup, '0', '5'), 0, 60),
    // PGlite is one connection inside the server's process: more connections only queue.
    connections: int('connections', v.connections ?? (embedded ? '8' : '64'), 1, 1000),
    threads: int('threads', v.threads, 1, 64),
    users: int('users', given(v.users, '20', '100'), 1, 100_000),
    tasksPerUser: int('tasks-per-user', v['tasks-per-user'], 1, 100),
    pool: int('pool', v.pool, 1, 200),
    settle: int('settle', v.settle, 0, 600),
    loadgenCheck: v['no-loadgen-check'] !== true,
    ceiling: v['no-ceiling'] !== true && !embedded,
    baseline: v.baseline,
    embedded,
    postgres: v.postgres,
    database: v.database,
    build: v['skip-build'] !== true,
    profile: v.profile === true,
    oursEnv,
  };
  if (options.connections < options.threads) throw new Error('--connections must be at least --threads');
  if (embedded && options.baseline) throw new Error('--baseline needs PostgreSQL: not with --embedded');
  return options;
}
