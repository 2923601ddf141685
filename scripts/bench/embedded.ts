// npm run bench:embedded -- [--connections C] [--runs N] [--duration S] [--warmup S] [--users N] [--tasks-per-user N] [--skip-build]
//
// The embedded database under load (issue 11, item 5; docs/PERFORMANCE.md, "The embedded database
// under load"): what `npm start` gives a developer without DATABASE_URL. The built server
// (node dist/src/server.js) on PGlite in a fresh data folder (migrated on start, as in
// development), seeded through the API, then the bench's scenarios (list, get, create, mixed;
// wrk with the same plans: every request for a random user with that user's token) with fewer
// connections (default 8; --no-shedding turns the server's load shedding off). While every
// scenario runs, a checker on its own connection creates a
// task, reads it back at once and checks it is the same. Afterwards, the proof it stayed correct:
// no socket error or timeout, no answer ≥ 400 but 503s of load shedding (the server logs each: as
// many as were counted, give or take the requests in flight when wrk stopped; they never ran), every task the checker created is readable and in
// its owner's list, every reader still has exactly its seeded tasks, and for every user the
// stats' total (trigger-kept counts) equals the tasks a full cursor walk of the list returns, with
// no task twice; the writers hold at least the successful creates wrk counted (more: mixed's
// creates, and those in flight when wrk stopped, which it does not count). Exits 1 on any failure.
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { wrkGenerator } from './load-generators.js';
import { measure, type Measured } from './measure.js';
import { killAllNow, log, run, sleep, stopAll } from './processes.js';
import { seed } from './seed.js';
import { startServer } from './servers.js';
import { median, SCENARIOS, type Scenario } from './shared.js';
import { PG_ADMIN_URL } from './database.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const { values: args } = parseArgs({
  options: {
    connections: { type: 'string', default: '8' },
    runs: { type: 'string', default: '3' },
    duration: { type: 'string', default: '15' },
    warmup: { type: 'string', default: '5' },
    users: { type: 'string', default: '100' },
    'tasks-per-user': { type: 'string', default: '20' },
    'skip-build': { type: 'boolean', default: false },
    /** OVERLOAD_MAX_EVENT_LOOP_DELAY_MS=0: no load shedding (the default sheds at 200 ms of event-loop delay). */
    'no-shedding': { type: 'boolean', default: false },
  },
});
const CONNECTIONS = Number(args.connections);
const RUNS = Number(args.runs);
const SECONDS = Number(args.duration);
const WARMUP = Number(args.warmup);
const USERS = Number(args.users);
const TASKS_PER_USER = Number(args['tasks-per-user']);

type Call = (method: string, url: string, token: string, body?: unknown) => Promise<{ status: number; json: unknown; link: string | null }>;
const caller =
  (base: string): Call =>
  async (method, url, token, body) => {
    const res = await fetch(`${base}${url}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(30_000),
    });
    return { status: res.status, json: (await res.json()) as unknown, link: res.headers.get('link') };
  };

/** `call`, retrying (after Retry-After) an answer of load shedding: for the checks after the load. */
const patient =
  (call: Call): Call =>
  async (...request) => {
    for (let attempt = 1; ; attempt++) {
      const answer = await call(...request);
      if (answer.status !== 503 || attempt >= 20) return answer;
      await sleep(1000);
    }
  };

/** Every task id of the user, by a full cursor walk of the list at limit=1000. */
async function walk(call: Call, token: string): Promise<string[]> {
  const ids: string[] = [];
  let next: string | undefined = '/api/tasks?limit=1000';
  while (next) {
    const page = await call('GET', next, token);
    if (page.status !== 200) throw new Error(`GET ${next}: ${page.status}`);
    ids.push(...(page.json as { id: string }[]).map((t) => t.id));
    next = /^<([^>]+)>/.exec(page.link ?? '')?.[1];
  }
  return ids;
}

/** Creates and reads back tasks one at a time until `stop` says so: read-your-writes under load. */
async function checker(call: Call, token: string, stop: () => boolean, problems: string[], shed: { n: number }): Promise<string[]> {
  const created: string[] = [];
  for (let i = 0; !stop(); i++) {
    const title = `checker ${i} ${randomBytes(4).toString('hex')}`;
    const made = await call('POST', '/api/tasks', token, { title });
    if (made.status === 503 && (made.json as { error?: string }).error === 'overloaded') {
      shed.n++; // load shedding (nothing written); checked against the server's log below
      continue;
    }
    if (made.status !== 201) {
      problems.push(`checker: POST answered ${made.status}`);
      continue;
    }
    const id = (made.json as { id: string }).id;
    created.push(id);
    const read = await call('GET', `/api/tasks/${id}`, token);
    if (read.status === 503 && (read.json as { error?: string }).error === 'overloaded') shed.n++;
    else if (read.status !== 200 || (read.json as { title?: string }).title !== title)
      problems.push(`checker: GET of the task just created answered ${read.status}`);
  }
  return created;
}

async function main(): Promise<void> {
  const outDir = path.join(ROOT, '.data', 'bench', 'embedded');
  mkdirSync(outDir, { recursive: true });
  if (!args['skip-build']) await run('npm', ['run', '-s', 'build'], ROOT);
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'todo-embedded-bench-'));
  const secret = randomBytes(32).toString('base64url');
  // What `npm start` runs with no DATABASE_URL: development, PGlite under DATA_DIR, migrated on start.
  const env = {
    NODE_ENV: 'development',
    LOG_LEVEL: 'warn',
    LOG_FORMAT: 'json',
    DATA_DIR: dataDir,
    BETTER_AUTH_SECRET: secret,
    AUTH_RATE_LIMIT_MAX: '0',
    ...(args['no-shedding'] ? { OVERLOAD_MAX_EVENT_LOOP_DELAY_MS: '0' } : {}),
  };
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL }); // only for measure()'s PostgreSQL accounting: none here
  await admin.connect();
  const problems: string[] = [];
  try {
    const server = await startServer('ours', { root: ROOT, env, logDir: outDir });
    const call = caller(`http://127.0.0.1:${server.port}`);
    const data = await seed(server.port, secret, USERS, TASKS_PER_USER);
    const checkerUser = data.writers[0]!;
    const shedLines = () =>
      readFileSync(server.logFile, 'utf8')
        .split('\n')
        .filter((l) => l.includes('"msg":"overloaded: request shed"')).length;
    await sleep(1000);
    const shedBeforeLoad = shedLines(); // seeding retries its sheds
    const generator = wrkGenerator(data, { connections: CONNECTIONS, threads: 2, dir: outDir });
    const measured: Omit<Measured, 'run'>[] = [];
    const checked: string[] = [];
    const checkerShed = { n: 0 };
    let loadNon2xx = 0;
    let createsCounted = 0;
    let runsWithCreates = 0;
    for (const scenario of SCENARIOS) {
      for (let round = 0; round <= RUNS; round++) {
        let done = false;
        const checking = checker(call, checkerUser.token, () => done, problems, checkerShed);
        const m = await measure(generator, server, scenario, round === 0 ? WARMUP : SECONDS, admin, 'no-postgres-here');
        done = true;
        checked.push(...(await checking));
        loadNon2xx += m.non2xx;
        if (m.errors + m.timeouts > 0) problems.push(`${scenario} round ${round}: ${m.errors} socket errors, ${m.timeouts} timeouts`);
        if (server.child.exitCode !== null) throw new Error(`the server exited during ${scenario}; see ${server.logFile}`);
        // Creates wrk counted: all of create; 10 % of mixed (the plan's share, so a bound, checked below as such).
        if (scenario === 'create') {
          createsCounted += m.responses - m.non2xx;
          runsWithCreates++;
        }
        if (scenario === 'mixed') runsWithCreates++;
        if (round > 0) measured.push(m);
        log(
          `${scenario} ${round === 0 ? 'warm-up' : `round ${round}/${RUNS}`}: ${m.rps.toFixed(0)} req/s, p50 ${m.p50.toFixed(2)} p95 ${m.p95.toFixed(2)} p99 ${m.p99.toFixed(2)} ms, ≥400 ${m.non2xx}, errors ${m.errors + m.timeouts}; server CPU ${((m.serverCpu ?? 0) * 100).toFixed(0)} %, RSS ${m.serverRssMiB?.toFixed(0)} MiB`,
        );
      }
    }

    // Answers ≥ 400 are allowed only as load shedding (503 overloaded: the event loop was late, the
    // request never ran); the server logs each one, so the log's count must account for every one.
    await sleep(1000); // the server's last log lines through the pipe
    // wrk does not count the answers to requests in flight when it stops (at most one per connection a run).
    const shedLogged = shedLines() - shedBeforeLoad;
    const counted = loadNon2xx + checkerShed.n;
    const inFlight = CONNECTIONS * SCENARIOS.length * (RUNS + 1);
    if (shedLogged < counted || shedLogged > counted + inFlight)
      problems.push(
        `${loadNon2xx} answers ≥ 400 from wrk and ${checkerShed.n} shed checker requests, but the server logged ${shedLogged} sheds during the load: something else failed`,
      );

    // The proof: everything the load wrote is there and consistent.
    const check = patient(call);
    const checkerIds = new Set(await walk(check, checkerUser.token));
    const missing = checked.filter((id) => !checkerIds.has(id));
    if (missing.length > 0) problems.push(`${missing.length} of the checker's ${checked.length} created tasks are not in its list`);
    for (const id of checked.slice(-50)) {
      const read = await check('GET', `/api/tasks/${id}`, checkerUser.token);
      if (read.status !== 200) problems.push(`checker's task ${id}: GET answered ${read.status}`);
    }
    let readersOk = 0;
    let writerTasks = 0;
    const everyone: { id: string; token: string; taskIds?: readonly string[] }[] = [...data.users, ...data.writers];
    for (const user of everyone) {
      const ids = await walk(check, user.token);
      const stats = await check('GET', '/api/tasks/stats', user.token);
      const total = (stats.json as { total?: number }).total;
      if (stats.status !== 200 || total !== ids.length)
        problems.push(`${user.id}: stats total ${total} but the list walks ${ids.length} tasks`);
      if (new Set(ids).size !== ids.length) problems.push(`${user.id}: the walk returned a task twice`);
      if (user.taskIds) {
        const seeded = new Set(user.taskIds);
        if (ids.length === seeded.size && ids.every((id) => seeded.has(id))) readersOk++;
        else problems.push(`${user.id}: ${ids.length} tasks, expected its ${seeded.size} seeded ones`);
      } else if (user !== checkerUser) writerTasks += ids.length;
      else writerTasks += ids.length - checked.length;
    }
    // wrk's successful creates (create scenario) ≤ the writers' tasks (+ mixed's creates and those in flight at each stop).
    if (writerTasks < createsCounted)
      problems.push(`the writers hold ${writerTasks} tasks, fewer than the ${createsCounted} creates wrk counted`);

    const lines = [
      `PGlite (embedded), wrk 2 threads, ${CONNECTIONS} connections, medians of ${RUNS} × ${SECONDS} s after a ${WARMUP} s warm-up; ${USERS} users × ${TASKS_PER_USER} tasks; ${os.cpus().length} CPUs, load average ${os
        .loadavg()
        .map((x) => x.toFixed(1))
        .join(' ')}`,
      '',
      '| scenario | 2xx req/s | shed (503) | p50 ms | p95 ms | p99 ms | server µs per 2xx | peak RSS MiB |',
      '|---|---|---|---|---|---|---|---|',
      ...SCENARIOS.map((scenario: Scenario) => {
        const ms = measured.filter((m) => m.scenario === scenario);
        const med = (f: (m: Omit<Measured, 'run'>) => number) => median(ms.map(f));
        const ok = (m: Omit<Measured, 'run'>) => (m.responses - m.non2xx) / m.seconds;
        return `| ${scenario} | ${med(ok).toFixed(0)} | ${(med((m) => m.non2xx / m.responses) * 100).toFixed(1)} % | ${med((m) => m.p50).toFixed(2)} | ${med((m) => m.p95).toFixed(2)} | ${med((m) => m.p99).toFixed(2)} | ${med((m) => ((m.serverCpu ?? NaN) / ok(m)) * 1e6).toFixed(0)} | ${Math.max(...ms.map((m) => m.serverPeakRssMiB ?? 0)).toFixed(0)} |`;
      }),
      '',
      `correctness: ${checked.length} tasks created and read back at once by the checker during the load, all in its list afterwards; ${readersOk} of ${data.users.length} readers hold exactly their seeded tasks; stats total = list walk for all ${data.users.length + data.writers.length} users; writers hold ${writerTasks} tasks (wrk counted ${createsCounted} creates in the create scenario, plus mixed's)`,
      `answers ≥ 400 (warm-ups included): ${counted}, all 503s of load shedding (event-loop delay over OVERLOAD_MAX_EVENT_LOOP_DELAY_MS; the server logged ${shedLogged} sheds during the load)`,
      problems.length === 0 ? 'no errors, nothing lost' : `PROBLEMS (${problems.length}):\n${problems.slice(0, 30).join('\n')}`,
    ];
    process.stdout.write(`\n${lines.join('\n')}\n`);
    if (problems.length > 0 || runsWithCreates === 0) process.exitCode = 1;
  } finally {
    await stopAll();
    await admin.end().catch(() => {});
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:embedded failed: ${error instanceof Error ? error.message : String(error)}\n`);
  killAllNow();
  process.exitCode = 1;
});
