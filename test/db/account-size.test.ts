// The database's work per request does not grow with the account (docs/PERFORMANCE.md, "Task model
// v2 at 100,000 tasks"): every list case, a cursor page deep in the walk, search and stats read
// about as many buffers on an account of many tasks as on one of 20, and a full cursor walk reads
// as much per page at its end as at its start. Buffers (EXPLAIN ANALYZE BUFFERS) rather than times:
// the same figures on a busy machine as on a quiet one. test/db/list-plans.test.ts checks which
// index each query reads; this checks what that buys.
import t from 'tap';
import { sql, type Compilable, type CompiledQuery } from 'kysely';
import { connect } from '../../src/db/connect.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { subjectFromVerifiedToken } from '../../src/auth/subject.js';
import { listQuery } from '../../src/tasks/task-list.repository.js';
import { encodeCursor } from '../../src/tasks/cursor.js';
import { overdueQuery, statsQuery } from '../../src/tasks/stats.repository.js';
import type { ListParams } from '../../src/tasks/list-params.js';
import { freshDatabase, DATABASE_KIND } from '../helper.js';

const BIG = 5_000;
const { db } = connect(await freshDatabase(t));
t.teardown(() => db.destroy());
await migrateToLatest(db);
await sql`insert into users (id) values ('big'), ('small'), ('neighbour')`.execute(db);
/** `n` tasks of `user` with every kind of value the sorts and filters see; `from` keeps the accounts' texts apart. */
const insert = (user: string, n: number, from: number) => sql`
  insert into tasks (user_id, title, description, completed, priority, due_at, tags, created_at, updated_at)
  select ${user}, 'task ' || md5(i::text), case when i % 3 = 0 then 'notes ' || md5((i * 7)::text) end,
         i % 5 = 0, (array['low', 'medium', 'high'])[1 + i % 3]::task_priority,
         case when i % 4 = 1 then null else timestamptz '2027-01-01' + (i % 2000) * interval '1 hour' end,
         case when i % 10 = 0 then array['work'] when i % 7 = 0 then array['home', 'work'] else '{}' end,
         timestamptz '2026-01-01' + i * interval '1 second', timestamptz '2026-06-01' + ((i::bigint * 7919) % 100000) * interval '1 second'
  from generate_series(${sql.lit(from)}, ${sql.lit(from + n - 1)}) as i`;
// The big account's tasks interleaved with a neighbour's on the table's pages, as when many people write at once.
for (let from = 1; from <= BIG; from += 1_000) {
  await insert('big', 1_000, from).execute(db);
  await insert('neighbour', 1_000, 1_000_000 + from).execute(db);
}
await insert('small', 20, 2_000_000).execute(db);
await sql`vacuum analyze tasks`.execute(db);

const DEFAULTS: ListParams = { status: 'all', sort: 'created_at', order: 'asc', limit: 20, overdue: false };
const params = (query: string): ListParams => {
  const p: Record<string, unknown> = { ...DEFAULTS };
  for (const [key, value] of new URLSearchParams(query)) {
    if (key === 'tag') p.tag = [...((p.tag as string[] | undefined) ?? []), value];
    else if (key === 'priority') p.priority = value.split(',');
    else p[key] = key === 'overdue' ? value === 'true' : key === 'limit' ? Number(value) : value;
  }
  return p as ListParams;
};

interface Node {
  'Shared Hit Blocks': number;
  'Shared Read Blocks': number;
}
/** Shared buffers the query touched (hit or read), by EXPLAIN (ANALYZE, BUFFERS). */
async function buffers(query: Compilable | CompiledQuery): Promise<number> {
  const compiled = 'compile' in query ? query.compile() : query;
  const result = await db.executeQuery<{ 'QUERY PLAN': [{ Plan: Node }] | string }>({
    ...compiled,
    sql: `explain (analyze, buffers, format json) ${compiled.sql}`,
  });
  const raw = result.rows[0]!['QUERY PLAN'];
  const plan = (typeof raw === 'string' ? (JSON.parse(raw) as [{ Plan: Node }]) : raw)[0].Plan;
  return plan['Shared Hit Blocks'] + plan['Shared Read Blocks'];
}
const list = (user: string, p: ListParams) => listQuery(db, subjectFromVerifiedToken(user), p);

/** The cursor the API issues half-way through the big account. */
async function deepCursor(p: ListParams): Promise<string> {
  const { rows } = await db.executeQuery(list('big', { ...p, limit: 1, offset: BIG / 2 }));
  return encodeCursor(p, { key: rows[0]!.cursor_key, id: rows[0]!.id });
}

/** At most this many buffers more than the 20-task account's for a page of 20, whatever the account's size. */
const SLACK = 60;

const soon = '2027-01-20T00:00:00Z';
const CASES = [
  ...['created_at', 'updated_at', 'title', 'priority', 'due_at'].flatMap((s) => [`sort=${s}&order=asc`, `sort=${s}&order=desc`]),
  'status=pending',
  'status=completed',
  'priority=high',
  'priority=high,low&sort=priority',
  'tag=work',
  'tag=home&tag=work',
  `due_before=${soon}&sort=due_at`,
  `due_after=${soon}`,
  'overdue=true&sort=due_at',
  'q=3f2a',
  'q=notes ab',
  'q=zz',
];

t.test(`a page costs the same on ${BIG} tasks as on 20 (${DATABASE_KIND})`, async (t) => {
  for (const query of CASES) {
    const [big, small] = [await buffers(list('big', params(query))), await buffers(list('small', params(query)))];
    t.ok(big <= small + SLACK, `${query}: ${big} buffers on ${BIG} tasks, ${small} on 20`);
  }
  for (const query of ['sort=created_at&order=asc', 'sort=title&order=asc', 'sort=priority&order=desc', 'sort=due_at&order=desc']) {
    const p = params(query);
    const [deep, first] = [await buffers(list('big', { ...p, cursor: await deepCursor(p) })), await buffers(list('big', p))];
    t.ok(deep <= first + SLACK, `${query}: a cursor page half-way reads ${deep} buffers, the first page ${first}`);
  }
  const owner = (user: string) => subjectFromVerifiedToken(user);
  for (const [label, query] of [
    ['stats', statsQuery],
    ['overdue count', overdueQuery],
  ] as const) {
    const [big, small] = [await buffers(query(db, owner('big'))), await buffers(query(db, owner('small')))];
    t.ok(big <= small + SLACK, `${label}: ${big} buffers on ${BIG} tasks, ${small} on 20`);
  }
});

t.test('a full cursor walk reads as much per page at its end as at its start', async (t) => {
  const p = { ...DEFAULTS, limit: 250 };
  const perPage: number[] = [];
  let cursor: string | undefined;
  let seen = 0;
  do {
    const page = { ...p, ...(cursor === undefined ? {} : { cursor }) };
    perPage.push(await buffers(list('big', page)));
    const { rows } = await db.executeQuery(list('big', page));
    seen += Math.min(rows.length, p.limit);
    const last = rows[p.limit - 1];
    cursor = rows.length > p.limit && last ? encodeCursor(p, { key: last.cursor_key, id: last.id }) : undefined;
  } while (cursor !== undefined);
  t.equal(seen, BIG, 'every task once');
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const [head, tail] = [mean(perPage.slice(0, 3)), mean(perPage.slice(-3))];
  t.ok(
    tail <= head * 1.5 + 10,
    `${perPage.length} pages: the first three read ${head.toFixed(0)} buffers each, the last three ${tail.toFixed(0)}`,
  );
});
