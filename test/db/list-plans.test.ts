// The plans of the list and stats queries on a large account: every sort, in both orders, with
// and without a cursor, reads an index in order (no Sort node over the account, no sequential
// scan), and a cursor page starts in the index (an Index Cond on the row comparison) rather than
// reading and skipping everything before it. This is the check that catches a sort losing its
// index (docs/PERFORMANCE.md, "Task model v2 at 100,000 tasks"). PostgreSQL and PGlite have the
// same planner; the queries are the repository's own (listQuery, taskStats).
import t from 'tap';
import { sql, type Compilable, type CompiledQuery } from 'kysely';
import { connect } from '../../src/db/connect.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { subjectFromVerifiedToken } from '../../src/auth/subject.js';
import { listQuery } from '../../src/tasks/task-list.repository.js';
import { encodeCursor } from '../../src/tasks/cursor.js';
import { overdueQuery, statsQuery, taskStats } from '../../src/tasks/stats.repository.js';
import type { ListParams } from '../../src/tasks/list-params.js';
import { freshDatabase, DATABASE_KIND } from '../helper.js';
import { describePlan, planNodes, planOf } from '../support/query-plans.js';

const TASKS = 10_000;
const { db } = connect(await freshDatabase(t));
t.teardown(() => db.destroy());
await migrateToLatest(db);
await sql`insert into users (id) values ('big'), ('neighbour')`.execute(db);
// A large account among three times as many other tasks (like one account of many), with every kind of value the sorts and filters see.
// In chunks: every row also updates the trigger-kept counts, and each statement must end within the
// client's query timeout on a busy machine.
for (let from = 1; from <= TASKS * 4; from += 5000) {
  await sql`
    insert into tasks (user_id, title, description, completed, priority, due_at, tags, created_at, updated_at)
    select case when i % 4 = 0 then 'big' else 'neighbour' end, 'task ' || md5(i::text), case when i % 3 = 0 then 'about ' || md5((i * 7)::text) end,
           i % 5 = 0, (array['low', 'medium', 'high'])[1 + i % 3]::task_priority,
           case when i % 4 = 1 then null else timestamptz '2027-01-01' + (i % 1000) * interval '1 hour' end,
           case when i % 10 = 0 then array['work'] when i % 97 = 0 then array['rare'] else '{}' end,
           timestamptz '2026-01-01' + i * interval '1 second', timestamptz '2026-06-01' + ((i * 7919) % ${TASKS}) * interval '1 second'
    from generate_series(${sql.lit(from)}, ${sql.lit(from + 4999)}) as i`.execute(db);
}
await sql`vacuum analyze tasks`.execute(db);

const owner = subjectFromVerifiedToken('big');
const DEFAULTS: ListParams = { status: 'all', sort: 'created_at', order: 'asc', limit: 100, overdue: false };

const plan = (query: Compilable | CompiledQuery) => planOf(db, query);
const nodes = planNodes;
const describe = describePlan;

/** A cursor deep in the walk (half-way through the account), as the API would have issued it. */
async function deepCursor(params: ListParams): Promise<string> {
  const { rows } = await db.executeQuery(listQuery(db, owner, { ...params, limit: 1, offset: Math.round(TASKS / 2) } as ListParams));
  const row = rows[0]!;
  return encodeCursor(params, { key: row.cursor_key, id: row.id });
}

const EXPECTED_INDEX: Record<ListParams['sort'], Record<ListParams['order'], string>> = {
  created_at: { asc: 'tasks_user_id_created_at_idx', desc: 'tasks_user_id_created_at_idx' },
  updated_at: { asc: 'tasks_user_id_updated_at_idx', desc: 'tasks_user_id_updated_at_idx' },
  title: { asc: 'tasks_user_id_title_idx', desc: 'tasks_user_id_title_idx' },
  priority: { asc: 'tasks_user_id_priority_idx', desc: 'tasks_user_id_priority_idx' },
  due_at: { asc: 'tasks_user_id_due_at_asc_idx', desc: 'tasks_user_id_due_at_desc_idx' },
};

t.test(`every sort reads its index in order, first page and deep cursor page (${DATABASE_KIND}, ${TASKS} tasks)`, async (t) => {
  for (const sort of Object.keys(EXPECTED_INDEX) as ListParams['sort'][]) {
    for (const order of ['asc', 'desc'] as const) {
      for (const status of ['all', 'pending'] as const) {
        const params: ListParams = { ...DEFAULTS, sort, order, status };
        const first = await plan(listQuery(db, owner, params));
        const deep = await plan(listQuery(db, owner, { ...params, cursor: await deepCursor(params) }));
        for (const [label, p] of [
          ['first page', first],
          ['deep cursor page', deep],
        ] as const) {
          const all = nodes(p);
          const what = `${sort} ${order} status=${status}, ${label}: ${describe(p)}`;
          t.notOk(
            all.some((n) => n['Node Type'] === 'Sort' || n['Node Type'] === 'Seq Scan'),
            `${what}: no Sort, no Seq Scan`,
          );
          t.ok(
            all.some((n) => n['Node Type'].startsWith('Index') && n['Index Name'] === EXPECTED_INDEX[sort][order]),
            `${what}: reads ${EXPECTED_INDEX[sort][order]}`,
          );
          if (label === 'deep cursor page') {
            const scan = all.find((n) => n['Index Name'] === EXPECTED_INDEX[sort][order]);
            t.match(scan?.['Index Cond'] ?? '', /ROW\(|\) [<>] \(/, `${what}: the cursor is an index condition, not a filter`);
          }
        }
      }
    }
  }
});

t.test('filters, search and stats use indexes, not a scan of the table', async (t) => {
  const cases: [string, Partial<ListParams>][] = [
    ['a rare tag', { tag: ['rare'] }],
    ['a search', { q: 'about 0000' }],
    ['overdue', { overdue: true, sort: 'due_at' }],
    ['priority list', { priority: ['high', 'low'], sort: 'priority' }],
  ];
  for (const [label, extra] of cases) {
    const p = await plan(listQuery(db, owner, { ...DEFAULTS, ...extra } as ListParams));
    t.notOk(
      nodes(p).some((n) => n['Node Type'] === 'Seq Scan'),
      `${label}: ${describe(p)}`,
    );
  }
  const stats = await taskStats(db, owner);
  t.equal(stats.total, TASKS, 'the counts kept by the trigger, over rows inserted in bulk');
  const direct = (await sql<{ n: number }>`select count(*)::int as n from tasks where user_id = 'big' and completed`.execute(db)).rows[0]!
    .n;
  t.equal(stats.completed, direct);
  const statsPlan = await plan(statsQuery(db, owner));
  t.notOk(
    nodes(statsPlan).some((n) => n['Relation Name'] === 'tasks'),
    `stats: the trigger-kept counts, not the tasks (${describe(statsPlan)})`,
  );
  const overduePlan = await plan(overdueQuery(db, owner));
  t.ok(
    nodes(overduePlan).some((n) => n['Index Name'] === 'tasks_user_id_overdue_idx'),
    `overdue count: the partial index (${describe(overduePlan)})`,
  );
});
