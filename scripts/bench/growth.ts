// npm run bench:growth -- [--keep] [--runs N] [--duration S] [--warmup S] [--connections C] [--sample N] [--skip-build]
//
// Growth (issue 11, item 4; docs/PERFORMANCE.md, "Growth to 10,000,000 tasks"): list and get
// through the real server (node dist/src/server.js) on a tasks table of 10,000,000 rows (100,000
// users × 100 tasks, growth_bench) against one of 10,000 (100 users × 100 tasks, growth_small_bench),
// both on 127.0.0.1:5432, built by scripts/bench/growth-seed.ts. One server per database, both up at
// once; wrk with the bench's plans (every request for a random user with that user's token): on the
// big table for `--sample` users spread over the whole table (default 5,000: all inside the
// server's verified-token cache, as the small table's 100 are, so both do the same auth work), on
// the small one for all 100. Per scenario a warm-up of each, then rounds alternating the two (and
// their order); medians; the big/small ratio of p50 and p95. Exits 1 when a p95 ratio is over 1.5×.
// Load shedding is off in both servers (OVERLOAD_MAX_EVENT_LOOP_DELAY_MS=0): on a busy shared
// machine its fast 503s would lower the percentiles; any answer ≥ 400 fails the run.
//
// --keep: leave growth_bench in place and reuse it next time (it takes minutes to build; it is
// brought up to date with any new migration first). Without it the big database is dropped at the end.
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { mintToken } from '../../src/auth/dev-token.js';
import {
  buildDatabase,
  existingTasks,
  PG_ADMIN_URL,
  sampleUsers,
  sameIndexes,
  sizes,
  upgrade,
  urlOf,
  type GrowthShape,
} from './growth-seed.js';
import { planFigures } from './growth-plans.js';
import { wrkGenerator, type LoadGenerator } from './load-generators.js';
import { measure, type Measured } from './measure.js';
import { killAllNow, log, run, stopAll } from './processes.js';
import { startServer, type Server } from './servers.js';
import { median, type BenchData, type Scenario } from './shared.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const { values: args } = parseArgs({
  options: {
    keep: { type: 'boolean', default: false },
    runs: { type: 'string', default: '3' },
    duration: { type: 'string', default: '15' },
    warmup: { type: 'string', default: '5' },
    connections: { type: 'string', default: '64' },
    sample: { type: 'string', default: '5000' },
    'skip-build': { type: 'boolean', default: false },
  },
});
const RUNS = Number(args.runs);
const SECONDS = Number(args.duration);
const WARMUP = Number(args.warmup);
const CONNECTIONS = Number(args.connections);
const SCENARIOS: Scenario[] = ['list', 'get'];

interface Side {
  label: string;
  db: string;
  shape: GrowthShape;
  sample: number;
  server?: Server;
  generator?: LoadGenerator;
  users?: { id: string; taskIds: string[] }[];
}
const big: Side = {
  label: '10,000,000 rows',
  db: 'growth_bench',
  shape: { users: 100_000, tasksPerUser: 100 },
  sample: Number(args.sample),
};
const small: Side = { label: '10,000 rows', db: 'growth_small_bench', shape: { users: 100, tasksPerUser: 100 }, sample: 100 };

async function prepareBig(): Promise<void> {
  const total = big.shape.users * big.shape.tasksPerUser;
  if (args.keep && (await existingTasks(big.db, big.shape)) === total) {
    log(`${big.db}: kept from an earlier run (${total.toLocaleString('en')} tasks); applying any new migration`);
    const started = performance.now();
    const applied = await upgrade(big.db);
    if (applied.length > 0) {
      log(`${big.db}: ${applied.join(', ')} in ${((performance.now() - started) / 1000).toFixed(0)} s`);
      await run('psql', [urlOf(big.db), '-qc', 'vacuum analyze tasks'], ROOT);
    }
    return;
  }
  log(`${big.db}: building ${total.toLocaleString('en')} tasks (several minutes)`);
  await buildDatabase(big.db, big.shape);
}

async function dropBig(): Promise<void> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL });
  await client.connect();
  await client.query(`drop database if exists ${big.db} with (force)`).finally(() => client.end());
}

const ms = (x: number) => x.toFixed(2);

async function main(): Promise<void> {
  const outDir = path.join(ROOT, '.data', 'bench', 'growth');
  const logDir = path.join(outDir, 'logs');
  mkdirSync(logDir, { recursive: true });
  if (!args['skip-build']) await run('npm', ['run', '-s', 'build'], ROOT);
  await prepareBig();
  await buildDatabase(small.db, small.shape);
  await sameIndexes(big.db, small.db);
  const size = await sizes(big.db);
  log(
    `${big.db}: table ${size.table}, with indexes ${size.total}; shared_buffers ${size.sharedBuffers}; indexes: ${size.indexes.map((i) => `${i.name} ${i.size}`).join(', ')}`,
  );

  const secret = randomBytes(32).toString('base64url');
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  try {
    for (const side of [big, small]) {
      const env = {
        NODE_ENV: 'production',
        LOG_LEVEL: 'warn',
        DATABASE_URL: urlOf(side.db),
        BETTER_AUTH_SECRET: secret,
        DB_POOL_MAX: '10',
        AUTH_RATE_LIMIT_MAX: '0',
        OVERLOAD_MAX_EVENT_LOOP_DELAY_MS: '0',
      };
      const sideLogs = path.join(logDir, side.db);
      mkdirSync(sideLogs, { recursive: true });
      side.server = await startServer('ours', { root: ROOT, env, logDir: sideLogs });
      const users = (await sampleUsers(side.db, side.shape.users, side.sample)).map((u) => ({
        ...u,
        token: mintToken(secret, { sub: u.id }, 24 * 3600),
      }));
      side.users = users;
      const data: BenchData = { users, writers: [] };
      const planDir = path.join(outDir, side.db);
      mkdirSync(planDir, { recursive: true });
      side.generator = wrkGenerator(data, { connections: CONNECTIONS, threads: 2, dir: planDir });
      log(`${side.label}: ${users.length} users in the plans`);
    }
    const measured: (Omit<Measured, 'run'> & { side: Side })[] = [];
    const once = async (side: Side, scenario: Scenario, seconds: number) => {
      const m = await measure(side.generator!, side.server!, scenario, seconds, admin, side.db);
      if (m.non2xx + m.errors + m.timeouts > 0)
        throw new Error(`${side.label} ${scenario}: ${m.non2xx} answers ≥ 400, ${m.errors + m.timeouts} errors`);
      return { ...m, side };
    };
    for (const scenario of SCENARIOS) {
      for (const side of [big, small]) if (WARMUP > 0) await once(side, scenario, WARMUP);
      for (let round = 1; round <= RUNS; round++) {
        for (const side of round % 2 === 1 ? [big, small] : [small, big]) {
          const m = await once(side, scenario, SECONDS);
          measured.push(m);
          log(
            `${scenario} ${side.label} round ${round}/${RUNS}: ${m.rps.toFixed(0)} req/s, p50 ${ms(m.p50)} p95 ${ms(m.p95)} p99 ${ms(m.p99)} ms; CPU server ${((m.serverCpu ?? 0) * 100).toFixed(0)} % postgres ${((m.postgresCpu ?? 0) * 100).toFixed(0)} % other ${((m.otherCpu ?? 0) * 100).toFixed(0)} %`,
          );
        }
      }
    }
    const lines = [
      `wrk, 2 threads, ${CONNECTIONS} connections, medians of ${RUNS} × ${SECONDS} s after ${WARMUP} s warm-up; ${os.cpus().length} CPUs, load average ${os
        .loadavg()
        .map((x) => x.toFixed(1))
        .join(' ')}`,
      '',
      '| scenario | table | req/s | p50 ms | p95 ms | p99 ms | server µs/req | postgres µs/req |',
      '|---|---|---|---|---|---|---|---|',
    ];
    let failures = 0;
    const ratios: string[] = [];
    for (const scenario of SCENARIOS) {
      const summary = (side: Side) => {
        const ms_ = measured.filter((m) => m.side === side && m.scenario === scenario);
        const med = (f: (m: Omit<Measured, 'run'>) => number) => median(ms_.map(f));
        return {
          rps: med((m) => m.rps),
          p50: med((m) => m.p50),
          p95: med((m) => m.p95),
          p99: med((m) => m.p99),
          server: med((m) => ((m.serverCpu ?? NaN) / m.rps) * 1e6),
          postgres: med((m) => ((m.postgresCpu ?? NaN) / m.rps) * 1e6),
        };
      };
      const [b, s] = [summary(big), summary(small)];
      for (const [side, x] of [
        [big, b],
        [small, s],
      ] as const) {
        lines.push(
          `| ${scenario} | ${side.label} | ${x.rps.toFixed(0)} | ${ms(x.p50)} | ${ms(x.p95)} | ${ms(x.p99)} | ${x.server.toFixed(0)} | ${x.postgres.toFixed(0)} |`,
        );
      }
      const ratio = b.p95 / s.p95;
      if (ratio > 1.5) failures++;
      ratios.push(
        `${ratio > 1.5 ? 'FAIL' : 'ok  '} ${scenario}: p95 ×${ratio.toFixed(2)}, p50 ×${(b.p50 / s.p50).toFixed(2)}, req/s ×${(b.rps / s.rps).toFixed(2)} (10,000,000 rows / 10,000 rows; target p95 ≤ 1.5×)`,
      );
    }
    lines.push(
      '',
      '| query (EXPLAIN ANALYZE, BUFFERS; medians over sampled users, after the load) | table | execution ms | buffers hit | buffers read | plan |',
      '|---|---|---|---|---|---|',
    );
    for (const side of [big, small]) {
      const plans = await planFigures(side.db, side.users!.slice(0, 200));
      for (const [query, f] of Object.entries(plans))
        lines.push(`| ${query} | ${side.label} | ${f.executionMs.toFixed(3)} | ${f.hit} | ${f.read} | ${f.shape} |`);
    }
    process.stdout.write(`\n${lines.join('\n')}\n\n${ratios.join('\n')}\n`);
    if (failures > 0) process.exitCode = 1;
  } finally {
    await stopAll();
    await admin.end().catch(() => {});
    if (!args.keep) await dropBig();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:growth failed: ${error instanceof Error ? error.message : String(error)}\n`);
  killAllNow();
  process.exitCode = 1;
});
