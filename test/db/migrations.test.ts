// Migrations go up, down and up again, leaving the same schema each time.
import t from 'tap';
import { sql, type Kysely } from 'kysely';
import { connect } from '../../src/db/connect.js';
import { migrateToLatest, migrator, ensureSucceeded } from '../../src/db/migrate.js';
import type { Database } from '../../src/db/schema.js';
import { freshDatabase } from '../helper.js';

async function catalog(db: Kysely<Database>): Promise<unknown> {
  const columns = await sql`
    select table_name, column_name, data_type, is_nullable, column_default, character_maximum_length
    from information_schema.columns where table_schema = 'public' and table_name not like 'kysely_%'
    order by table_name, column_name`.execute(db);
  const indexes = await sql`select tablename, indexname, indexdef from pg_indexes where schemaname = 'public' and tablename not like 'kysely_%' order by indexname`.execute(db);
  const constraints = await sql`
    select conrelid::regclass::text as on_table, conname, pg_get_constraintdef(oid) as def
    from pg_constraint where connamespace = 'public'::regnamespace and conrelid::regclass::text not like 'kysely_%' order by conname`.execute(db);
  return { columns: columns.rows, indexes: indexes.rows, constraints: constraints.rows };
}

t.test('up → down → up leaves an identical schema; down leaves nothing behind', async (t) => {
  const { db } = connect(await freshDatabase(t));
  t.teardown(() => db.destroy());
  const empty = await catalog(db);
  await migrateToLatest(db);
  const first = await catalog(db);
  t.match(first, { indexes: [{ indexname: 'tasks_pkey' }, { indexname: 'tasks_user_id_created_at_idx' }, { indexname: 'users_pkey' }] });

  const down = ensureSucceeded(await migrator(db).migrateDown());
  t.equal(down.length, 1);
  t.same(await catalog(db), empty, 'down removes everything up created');

  await migrateToLatest(db);
  t.same(await catalog(db), first, 'up again gives the same schema');
  t.same(await migrateToLatest(db), [], 'applying again does nothing');
});

t.test('tasks cascade with their user and refuse invalid rows', async (t) => {
  const { db } = connect(await freshDatabase(t));
  t.teardown(() => db.destroy());
  await migrateToLatest(db);
  await db.insertInto('users').values({ id: 'u1', email: null }).execute();
  await db.insertInto('tasks').values({ user_id: 'u1', title: 'x', description: null }).execute();
  await t.rejects(db.insertInto('tasks').values({ user_id: 'nobody', title: 'x', description: null }).execute(), 'foreign key');
  await t.rejects(db.insertInto('tasks').values({ user_id: 'u1', title: '', description: null }).execute(), 'empty title');
  await t.rejects(db.insertInto('tasks').values({ user_id: 'u1', title: 'x'.repeat(101), description: null }).execute(), 'title too long');
  await db.deleteFrom('users').where('id', '=', 'u1').execute();
  t.equal((await db.selectFrom('tasks').selectAll().execute()).length, 0, 'deleting the user deleted the task');
});
