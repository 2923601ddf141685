// npm run bench -- [--runs N] [--duration S] [--connections C] [--scenarios list,get,create,mixed]
//                  [--variants ours,ceiling,oab] [--oab-scenarios list,get] [--warmup S]
//                  [--users N] [--tasks-per-user N] [--pool N] [--settle S] [--skip-build]
//
// Builds the app, starts it (node dist/src/server.js) on a fresh PostgreSQL database (todo_bench on
// 127.0.0.1:5432), seeds users' tasks through the API, starts the ceiling (bare Fastify + pg) and the
// openapi-backend variant against the same database, and drives each with autocannon from a separate
// process. Prints the medians of N runs per scenario and variant, the ours/ceiling ratios, and writes
// the whole result as JSON under .data/bench/. See docs/PERFORMANCE.md.
import { execFileSync, spawn, fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, type WriteStream } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { mintToken } from '../src/auth/dev-token.js';
import { connect } from '../src/db/connect.js';
import { migrateToLatest } from '../src/db/migrate.js';
import {
  median,
  SCENARIOS,
  VARIANTS,
  type BenchData,
  type BenchUser,
  type BenchWriter,
  type FromWorker,
  type LoadResult,
  type Scenario,
  type ToWorker,
  type Variant,
} from './bench/shared.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const PG_HOST = '127.0.0.1';
const PG_ADMIN_URL = `postgres://postgres@${PG_HOST}:5432/postgres`;
const DB_NAME = 'todo_bench';
const DB_URL = `postgres://postgres@${PG_HOST}:5432/${DB_NAME}`;
const TARGET_RATIO = 0.6;
const TARGET_P99_MS = 50;

// ---------------------------------------------------------------- options

interface Options {
  runs: number;
  duration: number;
  warmup: number;
  connections: number;
  scenarios: Scenario[];
  variants: Variant[];
  oabScenarios: Scenario[];
  users: number;
  tasksPerUser: number;
  /** DB_POOL_MAX of every server (ours, the ceiling, openapi-backend). */
  pool: number;
  /** Before each measured run, wait up to this many seconds for the machine to be quiet (0: never wait). */
  settle: number;
  build: boolean;
}

function parseArgs(argv: string[]): Options {
  const o: Options = {
    runs: 3,
    duration: 10,
    warmup: 2,
    connections: 64,
    scenarios: [...SCENARIOS],
    variants: [...VARIANTS],
    oabScenarios: ['list', 'get'],
    users: 300,
    tasksPerUser: 20,
    pool: 10,
    settle: 0,
    build: true,
  };
  const int = (flag: string, value: string | undefined, min: number, max: number): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${flag} needs an integer from ${min} to ${max}`);
    return n;
  };
  const list = <T extends string>(flag: string, value: string | undefined, allowed: readonly T[]): T[] => {
    const items = (value ?? '').split(',').map((s) => s.trim()).filter(Boolean);
    const bad = items.filter((s) => !allowed.includes(s as T));
    if (items.length === 0 || bad.length > 0) throw new Error(`${flag} takes a comma list of: ${allowed.join(', ')}`);
    return [...new Set(items)] as T[];
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [flag, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = (): string | undefined => inline ?? argv[++i];
    switch (flag) {
      case '--runs': o.runs = int(flag, value(), 1, 50); break;
      case '--duration': o.duration = int(flag, value(), 1, 600); break;
      case '--warmup': o.warmup = int(flag, value(), 0, 60); break;
      case '--connections': o.connections = int(flag, value(), 1, 1000); break;
      case '--scenarios': o.scenarios = list(flag, value(), SCENARIOS); break;
      case '--variants': o.variants = list(flag, value(), VARIANTS); break;
      case '--oab-scenarios': o.oabScenarios = list(flag, value(), SCENARIOS); break;
      case '--users': o.users = int(flag, value(), 1, 100_000); break;
      case '--tasks-per-user': o.tasksPerUser = int(flag, value(), 1, 100); break;
      case '--pool': o.pool = int(flag, value(), 1, 200); break;
      case '--settle': o.settle = int(flag, value(), 0, 600); break;
      case '--skip-build': o.build = false; break;
      case '--help':
      case '-h':
        process.stdout.write(`${readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n').slice(0, 3).join('\n')}\n`);
        process.exit(0);
        break;
      default:
        throw new Error(`unknown option ${arg} (try --help)`);
    }
  }
  if (!o.variants.includes('ours')) throw new Error('--variants must include ours');
  return o;
}

// ---------------------------------------------------------------- processes

const children = new Set<ChildProcess>();
const log = (line: string): void => void process.stderr.write(`[bench] ${line}\n`);

/** Every process we start is killed when we exit, whatever the reason. */
function track(child: ChildProcess): ChildProcess {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

function killAllNow(): void {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}
process.on('exit', killAllNow);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(signal, () => {
    log(`${signal}: stopping`);
    killAllNow();
    process.exit(130);
  });
}

async function stop(child: ChildProcess, graceMs = 5_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

function run(command: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = track(spawn(command, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] }));
    let output = '';
    child.stdout!.on('data', (d: Buffer) => (output += d));
    child.stderr!.on('data', (d: Buffer) => (output += d));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${command} ${args.join(' ')} exited with ${code}:\n${output}`))));
  });
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

interface Server {
  readonly variant: Variant;
  readonly port: number;
  readonly child: ChildProcess;
  readonly logFile: string;
  /** Lines the server wrote to stdout/stderr (warnings and errors only, at LOG_LEVEL=warn). */
  logLines: number;
}

const LABEL: Record<Variant, string> = { ours: 'ours', ceiling: 'ceiling (bare Fastify+pg)', oab: 'openapi-backend' };

async function startServer(variant: Variant, env: Record<string, string>, logDir: string): Promise<Server> {
  const port = await freePort();
  const script = {
    ours: [path.join(ROOT, 'dist/src/server.js')],
    ceiling: ['--import', 'tsx', path.join(ROOT, 'scripts/bench/ceiling-server.ts')],
    oab: ['--import', 'tsx', path.join(ROOT, 'scripts/bench/openapi-backend-server.ts')],
  }[variant];
  // A clean environment (no stray .env, JWT_ISSUER, … from the shell); ours runs in an empty
  // directory so its .env loading cannot pick anything up either.
  const cwd = variant === 'ours' ? mkdtempSync(path.join(os.tmpdir(), 'todo-bench-')) : ROOT;
  const child = track(
    spawn(process.execPath, script, {
      cwd,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? os.tmpdir(), ...env, PORT: String(port), HOST: '127.0.0.1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
  const logFile = path.join(logDir, `${variant}.log`);
  const out: WriteStream = createWriteStream(logFile);
  const server: Server = { variant, port, child, logFile, logLines: 0 };
  const onData = (d: Buffer): void => {
    out.write(d);
    server.logLines += d.toString().split('\n').filter(Boolean).length;
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  child.once('exit', () => out.end());
  if (variant === 'ours') child.once('exit', () => rmSync(cwd, { recursive: true, force: true }));

  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) break;
    try {
      const res = await fetch(`http://127.0.0.1:${port}/ready`, { signal: AbortSignal.timeout(2_000) });
      if (res.status === 200) {
        server.logLines = 0; // start-up lines are not load problems
        return server;
      }
    } catch {
      // not listening yet
    }
    await sleep(200);
  }
  await stop(child);
  throw new Error(`${LABEL[variant]} did not become ready (GET /ready) within 30 s; its output is in ${logFile}:\n${readFileSync(logFile, 'utf8').slice(-2000)}`);
}

/** Waits (at most `seconds`) until the machine is less than 15% busy over one second; answers the last busy share seen. */
async function settle(seconds: number): Promise<number | undefined> {
  const deadline = Date.now() + seconds * 1000;
  let busy: number | undefined;
  do {
    const before = machineTicks();
    await sleep(1_000);
    const after = machineTicks();
    busy = before && after ? (after.busy - before.busy) / (after.total - before.total) : undefined;
  } while (busy !== undefined && busy >= 0.15 && Date.now() < deadline);
  return busy;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** CPU seconds (user+system) a process has used so far, from /proc; undefined where /proc is missing. */
function cpuSeconds(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (100 Hz on Linux)
  } catch {
    return undefined;
  }
}

/**
 * The PostgreSQL processes working for this bench: the backends connected to todo_bench (the pools of
 * every variant) and the shared writers (WAL writer, checkpointer, background writer). Other
 * databases' backends on this machine (other people's tests) are not counted.
 */
async function benchPostgresPids(admin: pg.Client): Promise<number[]> {
  const { rows } = await admin.query<{ pid: number }>(
    `select pid from pg_stat_activity where datname = $1 or backend_type in ('walwriter', 'checkpointer', 'background writer')`,
    [DB_NAME],
  );
  return rows.map((r) => r.pid);
}

/** CPU seconds used so far by each of `pids` (a process that has gone is left out). */
function cpuByPid(pids: readonly number[]): Map<number, number> {
  const used = new Map<number, number>();
  for (const pid of pids) {
    const seconds = cpuSeconds(pid);
    if (seconds !== undefined) used.set(pid, seconds);
  }
  return used;
}

/** Busy and total jiffies of the whole machine, from /proc/stat. */
function machineTicks(): { busy: number; total: number } | undefined {
  try {
    const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    const idle = cpu[3]! + (cpu[4] ?? 0);
    const total = cpu.reduce((a, b) => a + b, 0);
    return { busy: total - idle, total };
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------- database and seeding

/** Drops and creates todo_bench, then applies the migrations (the server does not migrate on start in production). */
async function freshDatabase(): Promise<void> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    await client.query(`drop database if exists ${DB_NAME} with (force)`);
    await client.query(`create database ${DB_NAME}`);
  } finally {
    await client.end();
  }
  const { db } = connect({ kind: 'postgres', url: DB_URL, poolMax: 1 });
  try {
    const results = await migrateToLatest(db);
    log(`migrations: ${results.map((r) => `${r.migrationName} ${r.status}`).join(', ') || 'none'}`);
  } finally {
    await db.destroy();
  }
}

/** Runs `tasks` with at most `limit` in flight. */
async function pooled<T>(count: number, limit: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array<T>(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, count) }, async () => {
      while (next < count) {
        const i = next++;
        results[i] = await task(i);
      }
    }),
  );
  return results;
}

async function seed(port: number, secret: string, options: Options): Promise<BenchData> {
  const base = `http://127.0.0.1:${port}`;
  const pad = (i: number) => String(i).padStart(4, '0');
  const readers = Array.from({ length: options.users }, (_, i) => ({ id: `bench-reader-${pad(i)}`, token: '' }));
  const writers: BenchWriter[] = Array.from({ length: options.users }, (_, i) => {
    const id = `bench-writer-${pad(i)}`;
    return { id, token: mintToken(secret, { sub: id, email: `${id}@bench.invalid` }) };
  });
  for (const r of readers) r.token = mintToken(secret, { sub: r.id, email: `${r.id}@bench.invalid` });

  const call = async (method: string, url: string, token: string, body?: unknown): Promise<{ status: number; json: unknown }> => {
    // Bounded retries: a transient failure while seeding should not end the bench, a broken server should.
    for (let attempt = 1; ; attempt++) {
      try {
        const res = await fetch(`${base}${url}`, {
          method,
          headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
          signal: AbortSignal.timeout(10_000),
        });
        return { status: res.status, json: await res.json() };
      } catch (error) {
        if (attempt >= 3) throw error;
        await sleep(200 * attempt);
      }
    }
  };

  const started = Date.now();
  const total = options.users * options.tasksPerUser;
  const created = await pooled(total, 16, async (i) => {
    const user = readers[i % options.users]!;
    const n = Math.floor(i / options.users);
    const { status, json } = await call('POST', '/api/tasks', user.token, {
      title: `Task ${n + 1} of ${user.id}`,
      description: n % 3 === 0 ? null : `Seeded by the benchmark: task ${n + 1}, with a description of moderate length.`,
      completed: n % 4 === 0,
    });
    if (status !== 201) throw new Error(`seeding: POST /api/tasks answered ${status}: ${JSON.stringify(json)}`);
    return { user: user.id, id: (json as { id: string }).id };
  });
  // Writers are recorded as users (our auth records a user on first sight), so the ceiling's inserts satisfy the foreign key.
  await pooled(writers.length, 16, async (i) => {
    const { status } = await call('GET', '/api/tasks', writers[i]!.token);
    if (status !== 200) throw new Error(`seeding: GET /api/tasks for a writer answered ${status}`);
  });
  const byUser = new Map<string, string[]>();
  for (const c of created) byUser.set(c.user, [...(byUser.get(c.user) ?? []), c.id]);
  const users: BenchUser[] = readers.map((r) => ({ id: r.id, token: r.token, taskIds: byUser.get(r.id) ?? [] }));
  log(`seeded ${total} tasks for ${options.users} users (+${writers.length} writer users) through the API in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return { users, writers };
}

/** Before any load: every variant answers list and get for the same user with the same tasks, so they do the same work. */
async function checkSameAnswers(servers: Map<Variant, Server>, data: BenchData, tasksPerUser: number): Promise<void> {
  const user = data.users[0]!;
  const headers = { authorization: `Bearer ${user.token}`, 'x-user': user.id };
  for (const server of servers.values()) {
    const base = `http://127.0.0.1:${server.port}`;
    const list = await fetch(`${base}/api/tasks`, { headers, signal: AbortSignal.timeout(5_000) });
    const tasks = (await list.json()) as { id: string }[];
    if (list.status !== 200 || !Array.isArray(tasks) || tasks.length !== tasksPerUser) {
      throw new Error(`${LABEL[server.variant]}: GET /api/tasks answered ${list.status} with ${Array.isArray(tasks) ? tasks.length : 'no'} tasks (expected ${tasksPerUser})`);
    }
    const id = user.taskIds[0]!;
    const one = await fetch(`${base}/api/tasks/${id}`, { headers, signal: AbortSignal.timeout(5_000) });
    const task = (await one.json()) as { id?: string };
    if (one.status !== 200 || task.id !== id) throw new Error(`${LABEL[server.variant]}: GET /api/tasks/${id} answered ${one.status}`);
  }
}

// ---------------------------------------------------------------- load generator process

interface Worker {
  request(message: ToWorker, timeoutMs: number): Promise<FromWorker>;
  readonly child: ChildProcess;
}

async function startWorker(): Promise<Worker> {
  const child = track(fork(path.join(ROOT, 'scripts/bench/load-worker.ts'), [], { cwd: ROOT, execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
  const waiting: ((m: FromWorker) => void)[] = [];
  child.on('message', (m: FromWorker) => waiting.shift()?.(m));
  const next = (timeoutMs: number): Promise<FromWorker> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the load generator did not answer within ${timeoutMs / 1000} s`)), timeoutMs);
      const onExit = (code: number | null) => reject(new Error(`the load generator exited (${code})`));
      child.once('exit', onExit);
      waiting.push((m) => {
        clearTimeout(timer);
        child.off('exit', onExit);
        resolve(m);
      });
    });
  const first = await next(30_000);
  if (first.type !== 'ready') throw new Error('the load generator did not start');
  return {
    child,
    request: (message, timeoutMs) => {
      const answer = next(timeoutMs);
      child.send(message);
      return answer;
    },
  };
}

interface Measured extends LoadResult {
  readonly variant: Variant;
  readonly run: number;
  /** CPU the server process used, as a share of one core. */
  readonly serverCpu: number | undefined;
  /** CPU all PostgreSQL processes used, in cores. */
  readonly postgresCpu: number | undefined;
  /** Whole-machine CPU busy share (all cores) during the run: server + load generator + PostgreSQL + noise. */
  readonly machineBusy: number | undefined;
  /** Busy CPU (in cores) not accounted for by the server, the load generator or PostgreSQL: other processes on the machine. */
  readonly otherCpu: number | undefined;
  /** Lines the server logged (warn and above) during the run. */
  readonly serverLogLines: number;
}

async function load(
  worker: Worker,
  server: Server,
  scenario: Scenario,
  seconds: number,
  connections: number,
  admin: pg.Client,
): Promise<Omit<Measured, 'variant' | 'run'>> {
  const serverCpuBefore = cpuSeconds(server.child.pid);
  const postgresBefore = cpuByPid(await benchPostgresPids(admin));
  const ticksBefore = machineTicks();
  const logBefore = server.logLines;
  const answer = await worker.request({ type: 'load', port: server.port, scenario, connections, durationSeconds: seconds }, (seconds + 60) * 1000);
  if (answer.type === 'failed') throw new Error(`load ${scenario} on ${server.variant} failed: ${answer.message}`);
  if (answer.type !== 'result') throw new Error(`unexpected answer from the load generator: ${answer.type}`);
  const result = answer.result;
  const serverCpuAfter = cpuSeconds(server.child.pid);
  const postgresAfter = cpuByPid([...postgresBefore.keys()]);
  const ticksAfter = machineTicks();
  const serverCpu = serverCpuBefore !== undefined && serverCpuAfter !== undefined ? (serverCpuAfter - serverCpuBefore) / result.seconds : undefined;
  let postgresSeconds = 0;
  for (const [pid, after] of postgresAfter) postgresSeconds += after - postgresBefore.get(pid)!;
  const postgresCpu = process.platform === 'linux' ? postgresSeconds / result.seconds : undefined;
  const machineBusy = ticksBefore && ticksAfter ? (ticksAfter.busy - ticksBefore.busy) / (ticksAfter.total - ticksBefore.total) : undefined;
  const cores = os.cpus().length;
  const otherCpu =
    machineBusy !== undefined && serverCpu !== undefined && postgresCpu !== undefined ? Math.max(0, machineBusy * cores - serverCpu - postgresCpu - result.loadGeneratorCpu) : undefined;
  return { ...result, serverCpu, postgresCpu, machineBusy, otherCpu, serverLogLines: server.logLines - logBefore };
}

// ---------------------------------------------------------------- report

interface Summary {
  scenario: Scenario;
  variant: Variant;
  runs: number;
  rps: number;
  p50: number;
  p95: number;
  p99: number;
  errors: number;
  non2xx: number;
  statusCodes: Record<string, number>;
  serverCpu: number | undefined;
  loadGeneratorCpu: number;
  postgresCpu: number | undefined;
  otherCpu: number | undefined;
  machineBusy: number | undefined;
  serverLogLines: number;
}

function summarize(scenario: Scenario, variant: Variant, runs: Measured[]): Summary {
  const statusCodes: Record<string, number> = {};
  for (const r of runs) for (const [code, n] of Object.entries(r.statusCodes)) statusCodes[code] = (statusCodes[code] ?? 0) + n;
  const defined = (xs: (number | undefined)[]) => xs.filter((x): x is number => x !== undefined);
  const medianOf = (xs: (number | undefined)[]) => {
    const ok = defined(xs);
    return ok.length ? median(ok) : undefined;
  };
  return {
    scenario,
    variant,
    runs: runs.length,
    rps: median(runs.map((r) => r.rps)),
    p50: median(runs.map((r) => r.p50)),
    p95: median(runs.map((r) => r.p95)),
    p99: median(runs.map((r) => r.p99)),
    errors: runs.reduce((a, r) => a + r.errors + r.timeouts, 0),
    non2xx: runs.reduce((a, r) => a + r.non2xx, 0),
    statusCodes,
    serverCpu: medianOf(runs.map((r) => r.serverCpu)),
    loadGeneratorCpu: median(runs.map((r) => r.loadGeneratorCpu)),
    postgresCpu: medianOf(runs.map((r) => r.postgresCpu)),
    otherCpu: medianOf(runs.map((r) => r.otherCpu)),
    machineBusy: medianOf(runs.map((r) => r.machineBusy)),
    serverLogLines: runs.reduce((a, r) => a + r.serverLogLines, 0),
  };
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  const line = (r: string[]) => r.map((cell, c) => (c < 2 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ');
  return [line(rows[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n');
}

const ms = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : '-');
const pct = (x: number | undefined) => (x === undefined ? '-' : `${Math.round(x * 100)}%`);

function report(summaries: Summary[], measured: Measured[], options: Options): { text: string; ratios: Record<string, { ceiling?: number; oab?: number }>; targets: Record<string, unknown> } {
  const rows = [['scenario', 'variant', 'req/s', 'p50 ms', 'p95 ms', 'p99 ms', 'errors', 'non-2xx', 'CPU: server', 'loadgen', 'postgres', 'other']];
  for (const s of summaries) {
    rows.push([
      s.scenario,
      LABEL[s.variant],
      s.rps.toFixed(0),
      ms(s.p50),
      ms(s.p95),
      ms(s.p99),
      String(s.errors),
      String(s.non2xx),
      pct(s.serverCpu),
      pct(s.loadGeneratorCpu),
      pct(s.postgresCpu),
      pct(s.otherCpu),
    ]);
  }
  const find = (scenario: Scenario, variant: Variant) => summaries.find((s) => s.scenario === scenario && s.variant === variant);
  const lines: string[] = [];
  const ratios: Record<string, { ceiling?: number; oab?: number }> = {};
  for (const scenario of options.scenarios) {
    const ours = find(scenario, 'ours');
    const ceiling = find(scenario, 'ceiling');
    const oab = find(scenario, 'oab');
    if (!ours) continue;
    ratios[scenario] = {};
    if (ceiling) {
      ratios[scenario].ceiling = ours.rps / ceiling.rps;
      lines.push(`${scenario.padEnd(6)} ours/ceiling = ${(ours.rps / ceiling.rps).toFixed(2)}  (${ours.rps.toFixed(0)} / ${ceiling.rps.toFixed(0)} req/s)`);
    }
    if (oab) {
      ratios[scenario].oab = oab.rps / ours.rps;
      lines.push(`${scenario.padEnd(6)} openapi-backend/ours = ${(oab.rps / ours.rps).toFixed(2)}  (${oab.rps.toFixed(0)} / ${ours.rps.toFixed(0)} req/s)`);
    }
  }
  const targets: Record<string, unknown> = {};
  const targetLines: string[] = [];
  for (const scenario of ['get', 'list'] as const) {
    const r = ratios[scenario]?.ceiling;
    if (r === undefined) continue;
    targets[`${scenario}_ratio_ge_${TARGET_RATIO}`] = r >= TARGET_RATIO;
    targetLines.push(`${scenario}: ours ≥ ${TARGET_RATIO * 100}% of the ceiling: ${r >= TARGET_RATIO ? 'MET' : 'NOT MET'} (${(r * 100).toFixed(0)}%)`);
  }
  for (const s of summaries.filter((x) => x.variant === 'ours')) {
    const ok = s.p99 < TARGET_P99_MS;
    targets[`${s.scenario}_p99_lt_${TARGET_P99_MS}ms`] = ok;
    targetLines.push(`${s.scenario}: ours p99 < ${TARGET_P99_MS} ms at ${options.connections} connections: ${ok ? 'MET' : 'NOT MET'} (${ms(s.p99)} ms)`);
  }
  const problems = summaries
    .filter((s) => s.errors > 0 || s.non2xx > 0 || s.serverLogLines > 0)
    .map((s) => `${s.scenario}/${s.variant}: ${s.errors} errors/timeouts, ${s.non2xx} non-2xx, status codes ${JSON.stringify(s.statusCodes)}, ${s.serverLogLines} server log lines`);
  const other = measured.map((m) => m.otherCpu).filter((x): x is number => x !== undefined);
  const noisy = other.filter((x) => x > 0.25).length;
  const noise = other.length
    ? `Noise: CPU used by other processes during the measured runs: median ${pct(median(other))} of a core, max ${pct(Math.max(...other))}; ${noisy} of ${other.length} runs had more than 25%.`
    : 'Noise: not measured (no /proc).';
  const text = [
    table(rows),
    `(CPU columns: share of ONE core, medians; "other" is whatever else ran on the ${os.cpus().length}-core machine meanwhile.)`,
    '',
    noise,
    '',
    'Ratios (median req/s):',
    ...lines.map((l) => `  ${l}`),
    '',
    'Targets:',
    ...targetLines.map((l) => `  ${l}`),
    '',
    problems.length ? `Problems:\n${problems.map((p) => `  ${p}`).join('\n')}` : 'Problems: none (no socket errors, no timeouts, no non-2xx answers, nothing logged by the servers).',
  ].join('\n');
  return { text, ratios, targets };
}

// ---------------------------------------------------------------- main

/** Which code was measured: the commit, and the uncommitted files of the app (src/, generated/, openapi.yaml). */
function codeVersion(): { commit: string; uncommitted: string[] } {
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
    const status = execFileSync('git', ['status', '--porcelain', '--', 'src', 'generated', 'openapi.yaml'], { cwd: ROOT, encoding: 'utf8' });
    return { commit, uncommitted: status.split('\n').filter(Boolean).map((l) => l.slice(3)) };
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
  log(`code: commit ${code.commit}${code.uncommitted.length ? ` + ${code.uncommitted.length} uncommitted app file(s): ${code.uncommitted.join(', ')}` : ''}`);
  if (options.build) {
    log('building (npm run build)…');
    await run('npm', ['run', '-s', 'build']);
  }
  log(`fresh database ${DB_NAME} on ${PG_HOST}:5432`);
  await freshDatabase();

  const secret = randomBytes(32).toString('base64url');
  const env = { NODE_ENV: 'production', LOG_LEVEL: 'warn', DATABASE_URL: DB_URL, BETTER_AUTH_SECRET: secret, DB_POOL_MAX: String(options.pool) };
  const servers = new Map<Variant, Server>();
  let worker: Worker | undefined;
  let background: number | undefined;
  // For the CPU accounting of PostgreSQL (which backends are ours).
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 5_000 });
  await admin.connect();
  try {
    servers.set('ours', await startServer('ours', env, logDir));
    log(`ours ready on port ${servers.get('ours')!.port}`);
    const data = await seed(servers.get('ours')!.port, secret, options);
    for (const variant of options.variants.filter((v) => v !== 'ours')) {
      servers.set(variant, await startServer(variant, env, logDir));
      log(`${LABEL[variant]} ready on port ${servers.get(variant)!.port}`);
    }
    await checkSameAnswers(servers, data, options.tasksPerUser);
    worker = await startWorker();
    const init = await worker.request({ type: 'init', data }, 30_000);
    if (init.type !== 'ready') throw new Error('the load generator did not take the bench data');

    // How busy the machine is with everything else (our servers idle): the noise floor of this run.
    const idleBefore = machineTicks();
    await sleep(2_000);
    const idleAfter = machineTicks();
    background = idleBefore && idleAfter ? (idleAfter.busy - idleBefore.busy) / (idleAfter.total - idleBefore.total) : undefined;
    log(`background CPU before the load (servers idle): ${pct(background)} of the machine; load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);

    const variantsFor = (scenario: Scenario) => options.variants.filter((v) => v !== 'oab' || options.oabScenarios.includes(scenario));
    const loads = options.scenarios.reduce((n, s) => n + variantsFor(s).length, 0);
    const estimate = loads * (options.runs * options.duration + options.warmup);
    log(`${loads} scenario/variant pairs × ${options.runs} runs of ${options.duration} s, ${options.connections} connections: about ${Math.ceil(estimate / 60)} min of load`);

    const measured: Measured[] = [];
    for (const scenario of options.scenarios) {
      const variants = variantsFor(scenario);
      // Warm-up (JIT, pools, caches) for each variant, discarded.
      if (options.warmup > 0) for (const variant of variants) await load(worker, servers.get(variant)!, scenario, options.warmup, options.connections, admin);
      // Runs interleave the variants, so slow drift on a noisy machine hits them alike.
      for (let run = 1; run <= options.runs; run++) {
        for (const variant of variants) {
          if (options.settle > 0) {
            const busy = await settle(options.settle);
            if (busy !== undefined && busy >= 0.15) log(`machine still ${pct(busy)} busy after waiting ${options.settle} s; measuring anyway`);
          }
          const m: Measured = { ...(await load(worker, servers.get(variant)!, scenario, options.duration, options.connections, admin)), variant, run };
          measured.push(m);
          log(`${scenario} ${LABEL[variant]} run ${run}/${options.runs}: ${m.rps.toFixed(0)} req/s, p50 ${ms(m.p50)} p95 ${ms(m.p95)} p99 ${ms(m.p99)} ms, non-2xx ${m.non2xx}, errors ${m.errors + m.timeouts}; CPU server ${pct(m.serverCpu)} postgres ${pct(m.postgresCpu)} loadgen ${pct(m.loadGeneratorCpu)} other ${pct(m.otherCpu)}`);
          const server = servers.get(variant)!;
          if (server.child.exitCode !== null || server.child.signalCode !== null) throw new Error(`${LABEL[variant]} exited during the load; see ${server.logFile}`);
        }
      }
    }

    const summaries = options.scenarios.flatMap((scenario) =>
      variantsFor(scenario).map((variant) => summarize(scenario, variant, measured.filter((m) => m.scenario === scenario && m.variant === variant))),
    );
    const { text, ratios, targets } = report(summaries, measured, options);
    const header = `Commit ${code.commit}${code.uncommitted.length ? ` (+${code.uncommitted.length} uncommitted app files)` : ''}. Medians of ${options.runs} run(s) × ${options.duration} s, ${options.connections} connections, ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? 'unknown'}), Node ${process.version}, PostgreSQL pool ${options.pool} per server; background CPU before the load ${pct(background)} of the machine`;
    process.stdout.write(`\n${header}\n\n${text}\n`);

    const file = path.join(outDir, `bench-${startedAt.toISOString().replace(/[:.]/g, '-')}.json`);
    writeFileSync(
      file,
      `${JSON.stringify(
        {
          startedAt: startedAt.toISOString(),
          finishedAt: new Date().toISOString(),
          options,
          code,
          machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, memoryGiB: +(os.totalmem() / 2 ** 30).toFixed(1), node: process.version, platform: `${os.type()} ${os.release()}` },
          poolMax: options.pool,
          backgroundMachineBusyBeforeLoad: background,
          summaries,
          ratios,
          targets,
          runs: measured,
        },
        null,
        2,
      )}\n`,
    );
    process.stdout.write(`\nJSON: ${path.relative(ROOT, file)}   server logs: ${path.relative(ROOT, logDir)}/\n`);
  } finally {
    if (worker?.child.connected) {
      worker.child.send({ type: 'exit' } satisfies ToWorker);
      await Promise.race([new Promise((r) => worker!.child.once('exit', r)), sleep(2_000)]);
    }
    await Promise.all([...children].map((c) => stop(c)));
    await admin.end().catch(() => {});
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.message : String(error)}\n`);
  killAllNow();
  process.exitCode = 1;
});
