// Migration 2026_12_01_0002 upgrades a populated database: existing tasks get version 1 without
// the tasks table being rewritten (a constant default is a catalog change only), the API serves
// them with ETags and conditional writes at once, and the idempotency_keys table cascades with
// its user.
import t from 'tap';
import { sql } from 'kysely';
import { connect } from '../../src/db/connect.js';
import { migrateTo, migrateToLatest } from '../../src/db/migrate.js';
import { build, call, DATABASE_KIND, fileDatabase } from '../helper.js';

t.test(`0002 on a populated database (${DATABASE_KIND})`, async (t) => {
  const target = await fileDatabase(t);
  const { db } = connect(target);
  await migrateTo(db, '2026_11_22_0001_users_and_tasks');
  await db.insertInto('users').values({ id: 'old-user', email: null }).execute();
  await sql`insert into tasks (user_id, title, description) select 'old-user', 'old ' || i, null from generate_series(1, 500) as i`.execute(
    db,
  );
  const fileBefore = (await sql<{ f: string }>`select pg_relation_filenode('tasks')::text as f`.execute(db)).rows[0]!.f;

  await migrateToLatest(db);
  const fileAfter = (await sql<{ f: string }>`select pg_relation_filenode('tasks')::text as f`.execute(db)).rows[0]!.f;
  t.equal(fileAfter, fileBefore, 'the tasks table was not rewritten');
  const versions = await sql<{ version: number; n: number }>`select version, count(*)::int as n from tasks group by version`.execute(db);
  t.same(versions.rows, [{ version: 1, n: 500 }], 'every existing task is at version 1');
  await db.destroy();

  const app = await build(t, { database: target });
  const [first] = (await call(app, { method: 'GET', url: '/api/tasks?limit=1', as: 'old-user' })).json<{ id: string }[]>();
  const stale = await call(app, {
    method: 'PUT',
    url: `/api/tasks/${first!.id}`,
    as: 'old-user',
    headers: { 'if-match': '"2"' },
    body: { title: 'new' },
  });
  t.same([stale.statusCode, stale.headers.etag], [412, '"1"'], 'an old task takes part in conditional writes');
  const put = await call(app, {
    method: 'PUT',
    url: `/api/tasks/${first!.id}`,
    as: 'old-user',
    headers: { 'if-match': '"1"' },
    body: { title: 'new' },
  });
  t.same([put.statusCode, put.headers.etag], [200, '"2"']);

  await call(app, { method: 'POST', url: '/api/tasks', as: 'old-user', headers: { 'idempotency-key': 'k' }, body: { title: 'keyed' } });
  t.equal((await app.db.selectFrom('idempotency_keys').select('key').execute()).length, 1);
  await app.db.deleteFrom('users').where('id', '=', 'old-user').execute();
  t.equal((await app.db.selectFrom('idempotency_keys').select('key').execute()).length, 0, "a user's keys go with the user");
});
