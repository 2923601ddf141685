// npm run bench -- [--quick] [--embedded] [--tools wrk,autocannon] [--baseline REF] … (--help; docs/PERFORMANCE.md)
//
// Builds the app and starts it as `npm start` does on a fresh PostgreSQL database (or, --embedded,
// on PGlite), seeds tasks through the API, starts the bare Fastify + pg server (the ceiling), the
// app of another commit (--baseline) and raw node:http, and drives them with wrk and/or autocannon:
// per scenario a warm-up, then rounds that alternate the servers; medians, ratios against the
// ceiling, the load generator's headroom. Afterwards it checks the data is consistent. Exits 1 when
// a server fails to start or answers an error: such a run measures nothing.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { loadGenerator } from './bench/load.js';
import { busyShare, measure, settle, type Measured } from './bench/measure.js';
import { parseOptions } from './bench/options.js';
import { writePlan } from './bench/plans.js';
import { killAllNow, log, run, stopAll } from './bench/processes.js';
import { ms, pct, report, summarize } from './bench/report.js';
import { checkConsistency, checker, checkSameAnswers, seed } from './bench/seed.js';
import {
  adminClient,
  buildBaseline,
  databaseUrl,
  exited,
  freshDatabase,
  LABEL,
  migrateDatabase,
  startServer,
  type Server,
} from './bench/servers.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const git = (...args: string[]) => execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' }).trim();

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const startedAt = new Date();
  const stamp = startedAt.toISOString().replace(/[:.]/g, '-');
  const outDir = path.join(ROOT, '.data', 'bench');
  const logDir = path.join(outDir, 'logs');
  mkdirSync(logDir, { recursive: true });
  const code = {
    commit: git('rev-parse', '--short', 'HEAD'),
    uncommitted: git('status', '--porcelain', '--', 'src', 'generated', 'openapi.yaml'),
  };
  log(`code: commit ${code.commit}${code.uncommitted ? ` + uncommitted app files:\n${code.uncommitted}` : ''}`);
  if (options.build) log('building (npm run build)');
  if (options.build) await run('npm', ['run', '-s', 'build'], ROOT);
  if (options.baseline) log(`building the baseline, ${options.baseline}`);
  const baselineDir = options.baseline ? await buildBaseline(ROOT, options.baseline) : undefined;

  const secret = randomBytes(32).toString('base64url');
  // Every bench client comes from one address: the failed-authentication limit would only add noise.
  const common = { LOG_LEVEL: 'warn', BETTER_AUTH_SECRET: secret, AUTH_RATE_LIMIT_MAX: '0', DB_POOL_MAX: String(options.pool) };
  let env: Record<string, string>;
  let admin: pg.Client | undefined;
  const dataDir = options.embedded ? mkdtempSync(path.join(os.tmpdir(), 'todo-bench-pglite-')) : undefined;
  if (dataDir) {
    // What `npm start` runs with no DATABASE_URL (PGlite under DATA_DIR, migrated on start), without
    // load shedding: its fast 503s on a busy machine would be counted as answers.
    env = { ...common, NODE_ENV: 'development', LOG_FORMAT: 'json', DATA_DIR: dataDir, OVERLOAD_MAX_EVENT_LOOP_DELAY_MS: '0' };
  } else {
    log(`fresh database ${options.database} on ${new URL(options.postgres).host}`);
    // With a baseline, the older app starts first on the empty database and migrates it to its own
    // schema (it refuses to serve a schema with migrations it does not know); this checkout's newer
    // migrations follow, as a deploy applies them.
    await freshDatabase(options.postgres, options.database, !baselineDir);
    env = { ...common, NODE_ENV: 'production', DATABASE_URL: databaseUrl(options.postgres, options.database) };
    admin = await adminClient(options.postgres);
  }
  const servers: Server[] = [];
  const measured: Measured[] = [];
  const problems: string[] = [];
  try {
    const profileDir = options.profile ? path.join(outDir, 'profiles', stamp) : undefined;
    if (baselineDir) {
      servers.push(await startServer('base', { root: baselineDir, env: { ...env, ...options.oursEnv, MIGRATE_ON_START: 'true' }, logDir }));
      await migrateDatabase(options.postgres, options.database);
    }
    const ours = await startServer('ours', { root: ROOT, env: { ...env, ...options.oursEnv }, logDir, profileDir });
    servers.push(ours);
    const data = await seed(ours.port, secret, options.users, options.tasksPerUser);
    log(`seeded ${options.users} users × ${options.tasksPerUser} tasks (+${options.users} writers) through the API`);
    if (options.ceiling) servers.push(await startServer('ceiling', { root: ROOT, env, logDir }));
    await checkSameAnswers(servers, data.users[0]!);
    const raw = options.loadgenCheck ? await startServer('raw', { root: ROOT, env: {}, logDir }) : undefined;

    const background = await busyShare(2_000);
    log(
      `background CPU before the load: ${pct(background)} of the machine; load average ${os
        .loadavg()
        .map((x) => x.toFixed(2))
        .join(' ')}`,
    );
    const checked: string[] = [];
    const texts: string[] = [];
    const plans = new Map(options.scenarios.map((scenario) => [scenario, writePlan(scenario, data, outDir)]));
    for (const tool of options.tools) {
      const generator = await loadGenerator(tool, { connections: options.connections, threads: options.threads, plans });
      const results: Measured[] = [];
      try {
        const once = async (server: Server, scenario: (typeof options.scenarios)[number], seconds: number, round: number) => {
          // --embedded: a checker creates and reads back tasks on its own connection while ours is under load.
          let done = false;
          const checking = options.embedded && server === ours ? checker(ours.port, data.writers[0]!.token, () => done) : undefined;
          const m = await measure(generator, server, scenario, seconds, round, { admin, database: options.database });
          done = true;
          const found = await checking;
          checked.push(...(found?.ids ?? []));
          problems.push(...(found?.problems ?? []));
          if (exited(server)) throw new Error(`${LABEL[server.kind]} exited during the load; see ${server.logFile}`);
          if (round > 0) results.push(m);
          const what = round === 0 ? 'warm-up' : `round ${round}/${options.runs}`;
          log(
            `${tool} ${scenario} ${LABEL[server.kind]} ${what}: ${m.rps.toFixed(0)} req/s, p50 ${ms(m.p50)} p95 ${ms(m.p95)} p99 ${ms(m.p99)} ms, ≥400 ${m.non2xx}, errors ${m.errors + m.timeouts}; CPU server ${pct(m.serverCpu)} postgres ${pct(m.postgresCpu)} loadgen ${pct(m.loadGeneratorCpu)} other ${pct(m.otherCpu)}`,
          );
        };
        for (const scenario of options.scenarios) {
          if (options.warmup > 0) for (const server of servers) await once(server, scenario, options.warmup, 0);
          // Rounds alternate the servers and their order, so slow drift on a shared machine hits them alike.
          for (let round = 1; round <= options.runs; round++) {
            for (const server of round % 2 === 1 ? servers : [...servers].reverse()) {
              if (options.settle > 0) await settle(options.settle);
              await once(server, scenario, options.duration, round);
            }
          }
          if (raw) await once(raw, scenario, options.duration, 1);
        }
      } finally {
        await generator.close();
      }
      measured.push(...results);
      const kinds = [...servers, ...(raw ? [raw] : [])].map((s) => s.kind);
      const summaries = options.scenarios.flatMap((scenario) =>
        kinds.map((kind) =>
          summarize(
            scenario,
            kind,
            results.filter((m) => m.scenario === scenario && m.kind === kind),
          ),
        ),
      );
      const r = report(summaries, results);
      problems.push(...r.problems.map((p) => `${tool}: ${p}`));
      texts.push(`${generator.name}:\n${r.text}`);
      writeFileSync(
        path.join(outDir, `bench-${stamp}-${tool}.json`),
        `${JSON.stringify({ startedAt, finishedAt: new Date(), options, code, background, summaries, ratios: r.ratios, targets: r.targets, runs: results }, null, 2)}\n`,
      );
    }
    log('checking the data after the load: every user’s list walk against its stats, the readers’ seeded tasks');
    problems.push(...(await checkConsistency(ours.port, data, checked)));

    const cpus = os.cpus();
    const header = `Commit ${code.commit}${code.uncommitted ? ' (+ uncommitted app files)' : ''}${options.baseline ? `, baseline ${options.baseline}` : ''}${Object.keys(options.oursEnv).length ? `, ours with ${JSON.stringify(options.oursEnv)}` : ''}, ${options.embedded ? 'PGlite (embedded)' : 'PostgreSQL'}; medians of ${options.runs} round(s) × ${options.duration} s after a ${options.warmup} s warm-up, ${options.connections} connections, ${options.users} users × ${options.tasksPerUser} tasks; ${cpus.length} CPUs (${cpus[0]?.model ?? 'unknown'}), Node ${process.version}, pool ${options.pool} per server; background CPU ${pct(background)} of the machine`;
    process.stdout.write(`\n${header}\n\n${texts.join('\n\n')}\n\n`);
    process.stdout.write(
      problems.length
        ? `PROBLEMS (${problems.length}):\n${problems.slice(0, 30).join('\n')}\n`
        : `Problems: none (no socket errors or timeouts, no answers ≥ 400, nothing logged; ${checked.length ? `${checked.length} tasks read back during the load; ` : ''}every list walk matches its stats).\n`,
    );
    process.stdout.write(`JSON: ${path.relative(ROOT, outDir)}/bench-${stamp}-*.json   server logs: ${path.relative(ROOT, logDir)}/\n`);
    if (problems.length > 0) process.exitCode = 1;
  } finally {
    await stopAll();
    await admin?.end().catch(() => {});
    for (const dir of [dataDir, baselineDir]) if (dir) rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.message : String(error)}\n`);
  killAllNow();
  process.exitCode = 1;
});
