// npm run bench:scale -- [--tasks N] [--requests N] [--keep]
//
// The task model v2 at scale (issue 9; docs/PERFORMANCE.md, "Task model v2 at 100,000 tasks"): a
// fresh PostgreSQL database (todo_scale on 127.0.0.1:5432, or SCALE_ADMIN_URL) holding one account
// of N tasks (default 100,000), one of 20, and N neighbours' tasks; the app built in process and
// driven with inject(), sequential requests. For every sort (both orders), every filter, a deep
// cursor page, the old deep offset, q and stats: p50 and p95 on both accounts and the ratio; then a
// full cursor walk at limit=1000 (time per page at the start and at the end: flat means linear).
// Exits 1 when a list request's p50 is over 1.5× the small account's (and over 2 ms apart), or q
// or stats p95 is over 50 ms: the step that catches a sort losing its index.
import { parseArgs } from 'node:util';
import pg from 'pg';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { connect } from '../../src/db/connect.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { mintToken } from '../../src/auth/dev-token.js';

const { values: args } = parseArgs({
  options: {
    tasks: { type: 'string', default: '100000' },
    requests: { type: 'string', default: '40' },
    keep: { type: 'boolean', default: false },
  },
});
const TASKS = Number(args.tasks);
const REQUESTS = Number(args.requests);
const ADMIN_URL = process.env.SCALE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const DB = 'todo_scale';
const url = new URL(ADMIN_URL);
url.pathname = `/${DB}`;
const SECRET = 'scale-bench-secret-0123456789abcdef0123';

async function admin(statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

async function seed(): Promise<void> {
  await admin(`drop database if exists ${DB} with (force)`);
  await admin(`create database ${DB}`);
  const { db } = connect({ kind: 'postgres', url: url.toString(), poolMax: 2 });
  await migrateToLatest(db);
  await db.destroy();
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  await client.query(`insert into users (id) values ('big'), ('small'), ('neighbour')`);
  const insert = (user: string, n: number, seedOffset: number) =>
    client.query(`
      insert into tasks (user_id, title, description, completed, priority, due_at, tags, created_at, updated_at)
      select '${user}', 'task ' || md5((i + ${seedOffset})::text), case when i % 3 = 0 then 'notes ' || md5((i * 7 + ${seedOffset})::text) end,
             i % 5 = 0, (array['low', 'medium', 'high'])[1 + i % 3]::task_priority,
             case when i % 4 = 1 then null else now() + ((i % 2000) - 500) * interval '1 hour' end,
             case when i % 10 = 0 then array['work'] when i % 7 = 0 then array['home', 'work'] else '{}' end,
             now() - interval '400 days' + i * interval '1 second', now() - interval '200 days' + ((i * 7919) % ${n}) * interval '1 second'
      from generate_series(1, ${n}) as i`);
  const started = performance.now();
  await insert('big', TASKS, 0);
  await insert('small', 20, 1_000_000);
  await insert('neighbour', TASKS, 2_000_000);
  await client.query('vacuum analyze tasks');
  await client.end();
  console.log(`seeded ${TASKS} + 20 + ${TASKS} tasks in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

type Timing = { p50: number; p95: number };

/** Sequential requests, alternating between the two (so a busy machine slows both alike). */
async function timePair(bigPath: string, smallPath: string, n = REQUESTS): Promise<[Timing, Timing]> {
  const headers = (sub: string) => ({ authorization: `Bearer ${mintToken(SECRET, { sub }, 3600)}` });
  const [bigHeaders, smallHeaders] = [headers('big'), headers('small')];
  const samples: [number[], number[]] = [[], []];
  for (let i = 0; i < n + 3; i++) {
    for (const [k, path, h] of [
      [0, bigPath, bigHeaders],
      [1, smallPath, smallHeaders],
    ] as const) {
      const started = performance.now();
      const res = await app.inject({ method: 'GET', url: path, headers: h });
      const elapsed = performance.now() - started;
      if (res.statusCode !== 200) throw new Error(`${path}: ${res.statusCode} ${res.body.slice(0, 200)}`);
      if (i >= 3) samples[k].push(elapsed); // the first few warm caches and plans
    }
  }
  return samples.map((xs) => {
    xs.sort((a, b) => a - b);
    return { p50: percentile(xs, 50), p95: percentile(xs, 95) };
  }) as [Timing, Timing];
}

async function deepCursorPath(query: string): Promise<string> {
  // The cursor the API issues half-way through the big account (offset only to get there fast).
  const authorization = `Bearer ${mintToken(SECRET, { sub: 'big' }, 3600)}`;
  const res = await app.inject({ method: 'GET', url: `/api/tasks?${query}&limit=1&offset=${TASKS / 2}`, headers: { authorization } });
  const link = /^<([^>]+)>/.exec(String(res.headers.link))?.[1];
  if (!link) throw new Error('no Link half-way through');
  const cursor = new URL(link, 'http://x').searchParams.get('cursor');
  return `/api/tasks?${query}&limit=20&cursor=${cursor}`;
}

if (!args.keep) await seed();
const app = await buildApp(
  loadConfig({
    NODE_ENV: 'test',
    BETTER_AUTH_SECRET: SECRET,
    LOG_LEVEL: 'silent',
    OVERLOAD_MAX_EVENT_LOOP_DELAY_MS: '0',
    DATABASE_URL: url.toString(),
  }),
  { logger: false },
);
await app.ready();

const soon = encodeURIComponent(new Date(Date.now() + 24 * 3600_000).toISOString());
const lists: string[] = [];
for (const sort of ['created_at', 'updated_at', 'title', 'priority', 'due_at'])
  for (const order of ['asc', 'desc']) lists.push(`sort=${sort}&order=${order}`);
lists.push(
  'status=pending',
  'status=completed',
  'priority=high',
  'priority=high,low&sort=priority',
  'tag=work',
  'tag=home&tag=work',
  `due_before=${soon}&sort=due_at`,
  `due_after=${soon}`,
  'overdue=true&sort=due_at',
);
let failures = 0;
const row = (label: string, [big, small]: [Timing, Timing], limitMs?: number) => {
  const ratio = big.p50 / small.p50;
  const bad = limitMs === undefined ? ratio > 1.5 && big.p50 - small.p50 > 2 : big.p95 > limitMs;
  if (bad) failures++;
  console.log(
    `${bad ? 'FAIL' : 'ok  '} ${label.padEnd(44)} big p50 ${big.p50.toFixed(2).padStart(7)} p95 ${big.p95.toFixed(2).padStart(7)} ms | 20 tasks p50 ${small.p50.toFixed(2).padStart(6)} ms | ×${ratio.toFixed(2)}`,
  );
};
// limit=20 on both accounts: the same number of tasks per page, so the ratio is the database's work.
for (const query of lists) row(query, await timePair(`/api/tasks?${query}&limit=20`, `/api/tasks?${query}&limit=20`));
for (const query of ['sort=created_at&order=asc', 'sort=title&order=asc', 'sort=priority&order=desc', 'sort=due_at&order=desc']) {
  row(`cursor half-way, ${query}`, await timePair(await deepCursorPath(query), `/api/tasks?${query}&limit=20`));
}
console.log(
  `(old) offset=${TASKS - 50}: p50 ${(await timePair(`/api/tasks?offset=${TASKS - 50}&limit=20`, '/api/tasks?limit=20', 10))[0].p50.toFixed(2)} ms (why offset is documented as slow)`,
);
row('q=3f2a (rare: ~0.05 % of tasks; p95 ≤ 50 ms)', await timePair('/api/tasks?q=3f2a&limit=20', '/api/tasks?q=3f2a&limit=20'), 50);
row(
  'q=notes ab (in a third of the descriptions)',
  await timePair('/api/tasks?q=notes%20ab&limit=20', '/api/tasks?q=notes%20ab&limit=20'),
  50,
);
row('q=zz (2 characters: no trigram)', await timePair('/api/tasks?q=zz&limit=20', '/api/tasks?q=zz&limit=20'), 50);
row('stats (p95 limit 50 ms)', await timePair('/api/tasks/stats', '/api/tasks/stats'), 50);

// The whole account by cursor at limit=1000.
const authorization = `Bearer ${mintToken(SECRET, { sub: 'big' }, 3600)}`;
let next: string | undefined = '/api/tasks?limit=1000';
const pageTimes: number[] = [];
let seen = 0;
const walkStarted = performance.now();
while (next) {
  const started = performance.now();
  const res: { json: <T>() => T; headers: Record<string, unknown> } = await app.inject({
    method: 'GET',
    url: next,
    headers: { authorization },
  });
  pageTimes.push(performance.now() - started);
  seen += res.json<unknown[]>().length;
  next = /^<([^>]+)>/.exec(String(res.headers.link ?? ''))?.[1];
}
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const head = mean(pageTimes.slice(0, 10));
const tail = mean(pageTimes.slice(-10));
const linear = tail < head * 1.5 + 2;
if (!linear) failures++;
console.log(
  `${linear ? 'ok  ' : 'FAIL'} cursor walk: ${seen} tasks in ${pageTimes.length} pages, ${((performance.now() - walkStarted) / 1000).toFixed(2)} s; first 10 pages ${head.toFixed(1)} ms/page, last 10 ${tail.toFixed(1)} ms/page`,
);
await app.close();
if (failures > 0) {
  console.log(`${failures} check(s) failed`);
  process.exitCode = 1;
}
