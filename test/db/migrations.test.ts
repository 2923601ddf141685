// Migrations go up, down and up again, leaving the same schema each time; a migration that fails
// midway leaves the schema as it was; concurrent migrators take turns and leave no lock behind
// (through a transaction-pooling PgBouncer too).
import t from 'tap';
import { NO_MIGRATIONS, sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import { connect } from '../../src/db/connect.js';
import { migrateToLatest, migrator, ensureSucceeded } from '../../src/db/migrate.js';
import { migrationProvider } from '../../src/db/migrations/index.js';
import type { Database } from '../../src/db/schema.js';
import { freshDatabase } from '../helper.js';

/** The project's real migrations, in the order they apply. */
const ALL = Object.keys(await migrationProvider.getMigrations()).sort();

/** The project's real migrations plus `extra`, sorted after them. */
function withExtra(extra: Record<string, Migration>): MigrationProvider {
  return { getMigrations: async () => ({ ...(await migrationProvider.getMigrations()), ...extra }) };
}

/** The names kysely_migration records (none when the table does not exist). */
async function applied(db: Kysely<Database>): Promise<string[]> {
  const exists = await sql<{ t: string | null }>`select to_regclass('public.kysely_migration')::text as t`.execute(db);
  if (!exists.rows[0]?.t) return [];
  return (await sql<{ name: string }>`select name from kysely_migration order by name`.execute(db)).rows.map((r) => r.name);
}

async function advisoryLocksHere(db: Kysely<Database>): Promise<number> {
  const r = await sql<{ n: number }>`
    select count(*)::int as n from pg_locks
    where locktype = 'advisory' and database = (select oid from pg_database where datname = current_database())`.execute(db);
  return r.rows[0]!.n;
}

async function catalog(db: Kysely<Database>): Promise<unknown> {
  const columns = await sql`
    select table_name, column_name, data_type, is_nullable, column_default, character_maximum_length
    from information_schema.columns where table_schema = 'public' and table_name not like 'kysely_%'
    order by table_name, column_name`.execute(db);
  const indexes =
    await sql`select tablename, indexname, indexdef from pg_indexes where schemaname = 'public' and tablename not like 'kysely_%' order by indexname`.execute(
      db,
    );
  const constraints = await sql`
    select conrelid::regclass::text as on_table, conname, pg_get_constraintdef(oid) as def
    from pg_constraint where connamespace = 'public'::regnamespace and conrelid::regclass::text not like 'kysely_%' order by conname`.execute(
    db,
  );
  return { columns: columns.rows, indexes: indexes.rows, constraints: constraints.rows };
}

t.test('up → down → up leaves an identical schema; down leaves nothing behind', async (t) => {
  const { db } = connect(await freshDatabase(t));
  t.teardown(() => db.destroy());
  const empty = await catalog(db);
  await migrateToLatest(db);
  const first = await catalog(db);
  const indexNames = (first as { indexes: { indexname: string }[] }).indexes.map((i) => i.indexname);
  for (const index of [
    'tasks_pkey',
    'tasks_user_id_created_at_idx',
    'users_pkey',
    'idempotency_keys_pkey',
    'idempotency_keys_expires_at_idx',
  ]) {
    t.ok(indexNames.includes(index), `index ${index} exists`);
  }

  const down = ensureSucceeded(await migrator(db).migrateTo(NO_MIGRATIONS));
  t.equal(down.length, ALL.length, 'every migration went down');
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
  await t.rejects(
    db
      .insertInto('tasks')
      .values({ user_id: 'u1', title: 'x'.repeat(101), description: null })
      .execute(),
    'title too long',
  );
  await db.deleteFrom('users').where('id', '=', 'u1').execute();
  t.equal((await db.selectFrom('tasks').selectAll().execute()).length, 0, 'deleting the user deleted the task');
});

t.test('a migration that fails midway leaves the schema exactly as it was and is not recorded', async (t) => {
  const { db } = connect(await freshDatabase(t));
  t.teardown(() => db.destroy());
  const REAL = ALL;
  // Changes the schema in several ways, then fails: by throwing (the transaction itself is still
  // healthy, so only an explicit ROLLBACK undoes it) or by invalid SQL (the transaction aborts).
  const brokenBy = (failure: 'throw' | 'sql'): Migration => ({
    async up(db) {
      await db.schema
        .createTable('half_done')
        .addColumn('id', 'integer', (c) => c.primaryKey())
        .execute();
      await db.schema.alterTable('tasks').addColumn('half', 'text').execute();
      await db.schema.createIndex('tasks_half_idx').on('tasks').column('half').execute();
      if (failure === 'throw') throw new Error('boom midway');
      await sql`insert into no_such_table values (1)`.execute(db);
    },
    async down() {},
  });
  const empty = await catalog(db);

  // From an empty database: the real migration and the broken one run as one batch; nothing stays.
  const batch = await migrator(db, withExtra({ '2026_12_31_0001_broken': brokenBy('throw') })).migrateToLatest();
  t.match(batch.error, { message: 'boom midway' });
  t.match(batch.results, [
    ...REAL.map((migrationName) => ({ migrationName })),
    { migrationName: '2026_12_31_0001_broken', status: 'Error' },
  ]);
  t.same(await catalog(db), empty, 'the batch left no table, column or index behind');
  t.same(await applied(db), [], 'nothing recorded as applied');

  await migrateToLatest(db);
  const latest = await catalog(db);
  t.same(await applied(db), REAL);
  for (const failure of ['throw', 'sql'] as const) {
    const result = await migrator(db, withExtra({ '2026_12_31_0001_broken': brokenBy(failure) })).migrateToLatest();
    t.ok(result.error, `${failure}: the run reports the failure`);
    t.throws(() => ensureSucceeded(result), { message: /migration 2026_12_31_0001_broken failed/ });
    t.same(await catalog(db), latest, `${failure}: the schema is exactly as before the run`);
    t.same(await applied(db), REAL, `${failure}: the failed migration is not recorded`);
  }
  t.same(await migrateToLatest(db), [], 'the database is at the latest migration and usable');
  t.equal(await advisoryLocksHere(db), 0, 'no migration lock left behind');
});

t.test('concurrent migrators take turns: each migration applied once, no lock left behind', async (t) => {
  const target = await freshDatabase(t);
  // Several pools on one PostgreSQL database (one PGlite has a single connection: runs are serial).
  const handles = target.kind === 'postgres' ? Array.from({ length: 6 }, () => connect({ ...target, poolMax: 3 })) : [connect(target)];
  t.teardown(() => Promise.all(handles.map((h) => h.db.destroy())));
  const dbs = target.kind === 'postgres' ? handles.map((h) => h.db) : Array.from({ length: 6 }, () => handles[0]!.db);
  // A slow extra migration widens the window in which migrators overlap.
  const provider = withExtra({
    '2026_12_31_0001_slow': { up: async (db) => void (await sql`select pg_sleep(0.2)`.execute(db)), down: async () => {} },
  });
  // Kysely's stock session-level lock fails this through PgBouncer in about half of the rounds.
  const rounds = target.kind === 'postgres' ? 5 : 2;
  for (let round = 1; round <= rounds; round++) {
    const runs = await Promise.all(
      dbs.map(async (db, i) => {
        await new Promise((resolve) => setTimeout(resolve, i * 30));
        return migrator(db, provider).migrateToLatest();
      }),
    );
    t.same(
      runs.filter((r) => r.error).map((r) => String(r.error)),
      [],
      `round ${round}: no run failed`,
    );
    const applying = runs.filter((r) => (r.results ?? []).length > 0);
    t.equal(applying.length, 1, `round ${round}: one run applied the migrations, the others found nothing to do`);
    t.same(
      applying[0]?.results?.map((r) => r.status),
      [...ALL, 'slow'].map(() => 'Success'),
    );
    t.equal(await advisoryLocksHere(dbs[0]!), 0, `round ${round}: no advisory lock is held once every run is over`);
    t.same(await applied(dbs[0]!), [...ALL, '2026_12_31_0001_slow']);
    ensureSucceeded(await migrator(dbs[0]!, provider).migrateTo(NO_MIGRATIONS));
    t.same(await applied(dbs[0]!), [], `round ${round}: back to empty`);
  }
});
