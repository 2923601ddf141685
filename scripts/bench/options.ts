// The command line of `npm run bench`: defaults are the method (100 users × 20 tasks, 64
// connections, 15 s per run after a warm-up, 3 alternating rounds, wrk); --quick is a smoke run.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { SCENARIOS, VARIANTS, type Scenario, type Variant } from './shared.js';

export const TOOLS = ['wrk', 'autocannon'] as const;
export type Tool = (typeof TOOLS)[number];

export interface Options {
  tool: Tool;
  runs: number;
  duration: number;
  warmup: number;
  connections: number;
  /** wrk threads (2: one per core of the machine the issue measured on). */
  threads: number;
  scenarios: Scenario[];
  variants: Variant[];
  users: number;
  tasksPerUser: number;
  /** DB_POOL_MAX of every server (ours, the ceiling, openapi-backend). */
  pool: number;
  /** Before each measured run, wait up to this many seconds for the machine to be quiet (0: never wait). */
  settle: number;
  /** Measure the load generator alone against a raw node:http server (the proof it is not the bottleneck). */
  loadgenCheck: boolean;
  build: boolean;
  /** Write a V8 CPU profile of our server (node --cpu-prof) into .data/bench/profiles/. */
  profile: boolean;
  /** Extra environment of our server (--ours-env KEY=VALUE, repeatable), e.g. DB_PREPARED_STATEMENTS=off for an A/B run. */
  oursEnv: Record<string, string>;
}

const USAGE = `npm run bench -- [--quick] [--tool wrk|autocannon] [--runs N] [--duration S] [--warmup S]
                 [--connections C] [--threads T] [--scenarios list,get,create,mixed]
                 [--variants ours,ceiling] [--users N] [--tasks-per-user N] [--pool N]
                 [--settle S] [--no-loadgen-check] [--profile] [--ours-env KEY=VALUE]… [--skip-build]`;

export function parseArgs(argv: string[]): Options {
  const o: Options = {
    tool: 'wrk',
    runs: 3,
    duration: 15,
    warmup: 5,
    connections: 64,
    threads: 2,
    scenarios: [...SCENARIOS],
    variants: ['ours', 'ceiling'],
    users: 100,
    tasksPerUser: 20,
    pool: 10,
    settle: 0,
    loadgenCheck: true,
    build: true,
    profile: false,
    oursEnv: {},
  };
  const int = (flag: string, value: string | undefined, min: number, max: number): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${flag} needs an integer from ${min} to ${max}`);
    return n;
  };
  const list = <T extends string>(flag: string, value: string | undefined, allowed: readonly T[]): T[] => {
    const items = (value ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    const bad = items.filter((s) => !allowed.includes(s as T));
    if (items.length === 0 || bad.length > 0) throw new Error(`${flag} takes a comma list of: ${allowed.join(', ')}`);
    return [...new Set(items)] as T[];
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [flag, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = (): string | undefined => inline ?? argv[++i];
    switch (flag) {
      case '--quick':
        Object.assign(o, { runs: 1, duration: 3, warmup: 1 });
        break;
      case '--tool':
        o.tool = list(flag, value(), TOOLS)[0]!;
        break;
      case '--runs':
        o.runs = int(flag, value(), 1, 50);
        break;
      case '--duration':
        o.duration = int(flag, value(), 1, 600);
        break;
      case '--warmup':
        o.warmup = int(flag, value(), 0, 60);
        break;
      case '--connections':
        o.connections = int(flag, value(), 1, 1000);
        break;
      case '--threads':
        o.threads = int(flag, value(), 1, 64);
        break;
      case '--scenarios':
        o.scenarios = list(flag, value(), SCENARIOS);
        break;
      case '--variants':
        o.variants = list(flag, value(), VARIANTS);
        break;
      case '--users':
        o.users = int(flag, value(), 1, 100_000);
        break;
      case '--tasks-per-user':
        o.tasksPerUser = int(flag, value(), 1, 100);
        break;
      case '--pool':
        o.pool = int(flag, value(), 1, 200);
        break;
      case '--settle':
        o.settle = int(flag, value(), 0, 600);
        break;
      case '--no-loadgen-check':
        o.loadgenCheck = false;
        break;
      case '--profile':
        o.profile = true;
        break;
      case '--skip-build':
        o.build = false;
        break;
      case '--ours-env': {
        const [key, ...rest] = (value() ?? '').split('=');
        if (!key || !/^[A-Z_][A-Z0-9_]*$/.test(key) || rest.length === 0) throw new Error('--ours-env takes KEY=VALUE');
        o.oursEnv[key] = rest.join('=');
        break;
      }
      case '--help':
      case '-h':
        process.stdout.write(
          `${USAGE}\n\n${readFileSync(fileURLToPath(new URL('../../docs/PERFORMANCE.md', import.meta.url)), 'utf8').split('\n## ')[0]}\n`,
        );
        process.exit(0);
        break;
      default:
        throw new Error(`unknown option ${arg} (try --help)`);
    }
  }
  if (!o.variants.includes('ours')) throw new Error('--variants must include ours');
  if (o.connections < o.threads) throw new Error('--connections must be at least --threads');
  return o;
}
