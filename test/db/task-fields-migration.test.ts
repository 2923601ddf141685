// The task model v2's migration (2026_12_01_0001_task_fields) on a database populated under the
// previous schema: the new server refuses it with MIGRATE_ON_START off, upgrades it on its normal
// start-up, every old task reads back unchanged with the new fields at their defaults (completed
// ones with completed_at backfilled), and down then up again keeps the data.
import t from 'tap';
import { sql, type Kysely } from 'kysely';
import { buildApp } from '../../src/app.js';
import { connect } from '../../src/db/connect.js';
import { migrateTo, migrateToLatest } from '../../src/db/migrate.js';
import type { Task } from '../support/types.js';
import type { Database } from '../../src/db/schema.js';
import { POSTGRES_URL, freshDatabase, testConfig, call, fileDatabase } from '../helper.js';

const PREVIOUS = '2026_11_22_0001_users_and_tasks';

t.test('a populated database of the previous schema is upgraded by start-up, losing and changing nothing', async (t) => {
  // The same database across several opens: a PostgreSQL database, or PGlite on disk.
  const database = await fileDatabase(t);

  // The previous version's schema, populated the way that version wrote it.
  const old = connect(database).db;
  await migrateTo(old, PREVIOUS);
  await sql`insert into users (id, email) values ('old-alice', 'a@example.com'), ('old-bob', null)`.execute(old);
  await sql`
    insert into tasks (user_id, title, description, completed, created_at, updated_at)
    select case when i % 3 = 0 then 'old-bob' else 'old-alice' end, 'task ' || i, case when i % 2 = 0 then 'desc ' || i end, i % 4 = 0,
           timestamptz '2026-11-01T00:00:00Z' + i * interval '1 minute', timestamptz '2026-11-02T00:00:00.123456Z' + i * interval '1 second'
    from generate_series(1, 60) as i`.execute(old);
  const before = (await sql<Record<string, unknown>>`select *, updated_at::text as updated_exact from tasks order by id`.execute(old)).rows;
  await old.destroy();

  // MIGRATE_ON_START off: the new server refuses the old schema.
  const refusedStart = async () => {
    const refused = await buildApp(testConfig({ MIGRATE_ON_START: 'false' }), { logger: false, database });
    try {
      await refused.ready();
    } finally {
      await refused.close();
    }
  };
  await t.rejects(refusedStart(), {
    name: 'StartupError',
    message: /schema is behind \(pending: 2026_12_01_0001_task_fields[^)]*\) and MIGRATE_ON_START is off/,
  });

  // The normal start-up migrates; every old task reads back through the API unchanged, new fields at their defaults.
  const app = await buildApp(testConfig(), { logger: false, database });
  await app.ready();
  for (const user of ['old-alice', 'old-bob']) {
    const res = await call(app, { method: 'GET', url: '/api/tasks?limit=1000', as: user });
    t.equal(res.statusCode, 200);
    const got = new Map(res.json<Task[]>().map((task) => [task.id, task]));
    const mine = before.filter((row) => row.user_id === user);
    t.equal(got.size, mine.length, `${user}: every task is there`);
    for (const row of mine) {
      const task = got.get(row.id as string);
      const expected = {
        id: row.id,
        user_id: user,
        title: row.title,
        description: row.description,
        completed: row.completed,
        created_at: (row.created_at as Date).toISOString(),
        updated_at: (row.updated_at as Date).toISOString(),
        priority: 'medium',
        due_at: null,
        tags: [],
        completed_at: row.completed ? (row.updated_at as Date).toISOString() : null,
      };
      if (JSON.stringify(task, Object.keys(expected).sort()) !== JSON.stringify(expected, Object.keys(expected).sort())) {
        t.fail(`task ${String(row.id)}: ${JSON.stringify(task)} ≠ ${JSON.stringify(expected)}`);
      }
    }
  }
  t.pass('every old task read back unchanged, with the new fields at their defaults');
  const exact = (
    await sql<{ n: number }>`
    select count(*)::int as n from tasks where completed and completed_at::text = updated_at::text`.execute(app.db)
  ).rows[0]!.n;
  t.equal(exact, before.filter((row) => row.completed).length, 'completed_at backfilled from updated_at, to the microsecond');
  // The upgraded database takes the new fields.
  const created = await call(app, {
    method: 'POST',
    url: '/api/tasks',
    as: 'old-alice',
    body: { title: 'new', priority: 'high', tags: ['x'] },
  });
  t.equal(created.statusCode, 201);
  await app.close();

  // down, then up again: the old tasks are still exactly the old tasks.
  const db = connect(database).db;
  t.teardown(() => db.destroy());
  await sql`delete from tasks where title = 'new'`.execute(db);
  await migrateTo(db, PREVIOUS);
  const down = (await sql<Record<string, unknown>>`select *, updated_at::text as updated_exact from tasks order by id`.execute(db)).rows;
  t.same(down, before, 'after down: the previous schema with every row as it was');
  await migrateToLatest(db);
  const up = (
    await sql<Record<string, unknown>>`
    select id, user_id, title, description, completed, created_at, updated_at, updated_at::text as updated_exact from tasks order by id`.execute(
      db,
    )
  ).rows;
  t.same(up, before, 'after up again: every row as it was');
  const defaults = (
    await sql<{ n: number }>`select count(*)::int as n from tasks where priority = 'medium' and due_at is null and tags = '{}'`.execute(db)
  ).rows[0]!.n;
  t.equal(defaults, before.length, 'with the new fields at their defaults');
});

// `npm run migrate -- online` is for PostgreSQL only (the script refuses the embedded database), so
// this test exists only on PostgreSQL runs (npm run test:db).
if (POSTGRES_URL) {
  t.test('online steps (CREATE INDEX CONCURRENTLY, outside a transaction) then up give the same schema and data as up alone', async (t) => {
    const { onlineSteps } = await import('../../src/db/migrations/2026_12_01_0001_task_fields.js');
    const populate = async (db: Kysely<Database>) => {
      await migrateTo(db, PREVIOUS);
      await sql`insert into users (id) values ('u1'), ('u2')`.execute(db);
      await sql`insert into tasks (user_id, title, completed) select case when i % 2 = 0 then 'u1' else 'u2' end, 't' || i, i % 3 = 0 from generate_series(1, 500) i`.execute(
        db,
      );
    };
    const schema = async (db: Kysely<Database>) => ({
      columns: (
        await sql`select table_name, column_name, data_type, column_default, is_nullable from information_schema.columns where table_schema = 'public' and table_name not like 'kysely_%' order by 1, 2`.execute(
          db,
        )
      ).rows,
      indexes: (
        await sql`select indexname, indexdef from pg_indexes where schemaname = 'public' and tablename not like 'kysely_%' order by 1`.execute(
          db,
        )
      ).rows,
      counts: (await sql`select user_id, priority, completed, n from task_counts where n > 0 order by 1, 2, 3`.execute(db)).rows,
      done: (await sql`select count(*)::int as n from tasks where completed and completed_at = updated_at`.execute(db)).rows,
    });
    const direct = connect(await freshDatabase(t)).db;
    const online = connect(await freshDatabase(t)).db;
    t.teardown(() => Promise.all([direct.destroy(), online.destroy()]));
    await populate(direct);
    await populate(online);
    await migrateToLatest(direct);
    const lines: string[] = [];
    await onlineSteps(online, (line) => lines.push(line));
    t.ok(
      lines.some((l) => l.startsWith('index ')),
      'the indexes were built by the online steps',
    );
    const results = await migrateToLatest(online);
    // Later migrations (already in the code) follow it in the same run.
    t.equal(results[0]?.migrationName, '2026_12_01_0001_task_fields', 'up then records the migration first');
    t.ok(
      results.every((r) => r.status === 'Success'),
      'and every migration after it succeeds',
    );
    t.same(await schema(online), await schema(direct), 'the same columns, indexes, counts and backfill');
  });
}
