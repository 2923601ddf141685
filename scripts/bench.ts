// npm run bench -- [--quick] [--tool wrk|autocannon] [--runs N] [--duration S] … (--help; docs/PERFORMANCE.md)
//
// Builds the app, starts it (node dist/src/server.js) on a fresh PostgreSQL database (todo_bench on
// 127.0.0.1:5432), seeds users' tasks through the API, starts the ceiling (bare Fastify + pg, named
// prepared statements) and a raw node:http server, and drives them with wrk (or autocannon): per
// scenario a warm-up, then rounds that alternate the servers; medians, ours/bare ratios, p99s, and the
// load generator's headroom. The whole result is written as JSON under .data/bench/.
//
// The parts: bench/options.ts (flags), bench/database.ts, bench/seed.ts, bench/servers.ts (+ the
// servers: ceiling-server.ts, openapi-backend-server.ts, raw-server.ts), bench/wrk.ts + wrk-plan.lua and
// load-worker.ts (the load generators, bench/load-generators.ts), bench/measure.ts, bench/report.ts.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { adminClient, DB_NAME, DB_URL, freshDatabase, PG_HOST } from './bench/database.js';
import { autocannonGenerator, wrkGenerator, type LoadGenerator } from './bench/load-generators.js';
import { busyShare, settle } from './bench/machine.js';
import { measure, type Measured } from './bench/measure.js';
import { parseArgs } from './bench/options.js';
import { killAllNow, log, run, stopAll } from './bench/processes.js';
import { ms, pct, report, summarize } from './bench/report.js';
import { checkSameAnswers, seed } from './bench/seed.js';
import { exited, LABEL, startServer, type Server, type ServerKind } from './bench/servers.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Which code was measured: the commit, and the uncommitted files of the app (src/, generated/, openapi.yaml). */
function codeVersion(): { commit: string; uncommitted: string[] } {
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
    const status = execFileSync('git', ['status', '--porcelain', '--', 'src', 'generated', 'openapi.yaml'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    return {
      commit,
      uncommitted: status
        .split('\n')
        .filter(Boolean)
        .map((l) => l.slice(3)),
    };
  } catch {
    return { commit: 'unknown', uncommitted: [] };
  }
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const startedAt = new Date();
  const outDir = path.join(ROOT, '.data', 'bench');
  const logDir = path.join(outDir, 'logs');
  mkdirSync(logDir, { recursive: true });

  const code = codeVersion();
  log(
    `code: commit ${code.commit}${code.uncommitted.length ? ` + ${code.uncommitted.length} uncommitted app file(s): ${code.uncommitted.join(', ')}` : ''}`,
  );
  if (options.build) {
    log('building (npm run build)…');
    await run('npm', ['run', '-s', 'build'], ROOT);
  }
  log(`fresh database ${DB_NAME} on ${PG_HOST}:5432`);
  await freshDatabase();

  const secret = randomBytes(32).toString('base64url');
  // The bench's users all come from one address: the failed-authentication limit would only add noise.
  const env = {
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    DATABASE_URL: DB_URL,
    BETTER_AUTH_SECRET: secret,
    DB_POOL_MAX: String(options.pool),
    AUTH_RATE_LIMIT_MAX: '0',
  };
  const servers = new Map<ServerKind, Server>();
  let generator: LoadGenerator | undefined;
  const admin = await adminClient();
  try {
    const profileDir = options.profile ? path.join(outDir, 'profiles', startedAt.toISOString().replace(/[:.]/g, '-')) : undefined;
    servers.set(
      'ours',
      await startServer('ours', { root: ROOT, env: { ...env, ...options.oursEnv }, logDir, ...(profileDir ? { profileDir } : {}) }),
    );
    const data = await seed(servers.get('ours')!.port, secret, options.users, options.tasksPerUser);
    for (const kind of [...options.variants.filter((v) => v !== 'ours'), ...(options.loadgenCheck ? (['raw'] as const) : [])]) {
      servers.set(kind, await startServer(kind, { root: ROOT, env, logDir }));
    }
    await checkSameAnswers(servers.values(), data, options.tasksPerUser);
    generator =
      options.tool === 'wrk'
        ? wrkGenerator(data, { connections: options.connections, threads: options.threads, dir: outDir })
        : await autocannonGenerator(data, ROOT, options.connections);

    const background = await busyShare(2_000);
    log(
      `background CPU before the load (servers idle): ${pct(background)} of the machine; load average ${os
        .loadavg()
        .map((x) => x.toFixed(2))
        .join(' ')}`,
    );
    const kinds = options.variants as ServerKind[];
    const estimate =
      options.scenarios.length *
      (kinds.length * (options.runs * options.duration + options.warmup) + (options.loadgenCheck ? options.duration : 0));
    log(
      `${generator.name}, ${options.connections} connections: ${options.scenarios.length} scenarios × ${kinds.length} servers × ${options.runs} rounds of ${options.duration} s: about ${Math.ceil(estimate / 60)} min of load`,
    );

    const measured: Measured[] = [];
    const once = async (
      kind: ServerKind,
      scenario: (typeof options.scenarios)[number],
      seconds: number,
      round: number,
    ): Promise<Measured> => {
      const server = servers.get(kind)!;
      const m: Measured = { ...(await measure(generator!, server, scenario, seconds, admin, DB_NAME)), run: round };
      if (exited(server)) throw new Error(`${LABEL[kind]} exited during the load; see ${server.logFile}`);
      return m;
    };
    for (const scenario of options.scenarios) {
      // Warm-up (JIT, pools, caches) for each server, discarded.
      if (options.warmup > 0) for (const kind of kinds) await once(kind, scenario, options.warmup, 0);
      // Rounds alternate the servers (and their order), so slow drift on a noisy machine hits them alike.
      for (let round = 1; round <= options.runs; round++) {
        for (const kind of round % 2 === 1 ? kinds : [...kinds].reverse()) {
          if (options.settle > 0) {
            const busy = await settle(options.settle);
            if (busy !== undefined && busy >= 0.15)
              log(`machine still ${pct(busy)} busy after waiting ${options.settle} s; measuring anyway`);
          }
          const m = await once(kind, scenario, options.duration, round);
          measured.push(m);
          log(
            `${scenario} ${LABEL[kind]} round ${round}/${options.runs}: ${m.rps.toFixed(0)} req/s, p50 ${ms(m.p50)} p95 ${ms(m.p95)} p99 ${ms(m.p99)} ms, ≥400 ${m.non2xx}, errors ${m.errors + m.timeouts}; CPU server ${pct(m.serverCpu)} postgres ${pct(m.postgresCpu)} loadgen ${pct(m.loadGeneratorCpu)} other ${pct(m.otherCpu)}`,
          );
        }
      }
      if (options.loadgenCheck) {
        const m = await once('raw', scenario, options.duration, 1);
        measured.push(m);
        log(`${scenario} ${LABEL.raw}: ${m.rps.toFixed(0)} req/s, loadgen CPU ${pct(m.loadGeneratorCpu)}`);
      }
    }

    const present = [...kinds, ...(options.loadgenCheck ? (['raw'] as const) : [])];
    const summaries = options.scenarios.flatMap((scenario) =>
      present.map((kind) =>
        summarize(
          scenario,
          kind,
          measured.filter((m) => m.scenario === scenario && m.kind === kind),
        ),
      ),
    );
    const { text, ratios, targets } = report(summaries, measured, options.scenarios);
    const cpus = os.cpus();
    const oursEnv = Object.entries(options.oursEnv)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ');
    const header = `Commit ${code.commit}${code.uncommitted.length ? ` (+${code.uncommitted.length} uncommitted app files)` : ''}${oursEnv ? `, ours with ${oursEnv}` : ''}. ${generator.name}; medians of ${options.runs} round(s) × ${options.duration} s after a ${options.warmup} s warm-up, ${options.connections} connections, ${options.users} users × ${options.tasksPerUser} tasks; ${cpus.length} CPUs (${cpus[0]?.model ?? 'unknown'}), Node ${process.version}, PostgreSQL pool ${options.pool} per server; background CPU before the load ${pct(background)} of the machine`;
    process.stdout.write(`\n${header}\n\n${text}\n`);
    const file = path.join(outDir, `bench-${startedAt.toISOString().replace(/[:.]/g, '-')}.json`);
    const machine = {
      cpus: cpus.length,
      model: cpus[0]?.model,
      memoryGiB: +(os.totalmem() / 2 ** 30).toFixed(1),
      node: process.version,
      platform: `${os.type()} ${os.release()}`,
    };
    const json = {
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      options,
      code,
      machine,
      backgroundMachineBusyBeforeLoad: background,
      summaries,
      ratios,
      targets,
      runs: measured,
    };
    writeFileSync(file, `${JSON.stringify(json, null, 2)}\n`);
    process.stdout.write(
      `\nJSON: ${path.relative(ROOT, file)}   server logs: ${path.relative(ROOT, logDir)}/${profileDir ? `   CPU profile of ours: ${path.relative(ROOT, profileDir)}/` : ''}\n`,
    );
  } finally {
    await generator?.close();
    await stopAll();
    await admin.end().catch(() => {});
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.message : String(error)}\n`);
  killAllNow();
  process.exitCode = 1;
});
