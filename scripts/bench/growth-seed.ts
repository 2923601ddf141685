// The databases of `npm run bench:growth` (scripts/bench/growth.ts): a PostgreSQL database migrated
// with the app's migrations, then filled in SQL (generate_series, in batches of 1,000,000 rows) with
// `users × tasksPerUser` tasks of realistic shape: words in the titles, a description on a third,
// every priority, due dates on three quarters, tags on some, a fifth completed. A user's tasks are
// interleaved with everyone else's (task i belongs to user i % users), as when many people write at
// once: a user's 100 tasks sit on 100 different heap pages, the worst case for a list.
//
// A big load is faster without the indexes: every index of tasks is dropped first and re-created
// from its own definition (pg_indexes.indexdef) after the load, so the schema is the migrations'
// exactly; sameIndexes() checks that against a database migrated the ordinary way.
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { connect } from '../../src/db/connect.js';
import type { Database } from '../../src/db/schema.js';
import { migrateToLatest, TransactionLockedMigrationsAdapter } from '../../src/db/migrate.js';
import { log } from './processes.js';

export const PG_ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
export const urlOf = (name: string): string => `postgres://postgres@127.0.0.1:5432/${name}`;
const BATCH = 1_000_000;

export interface GrowthShape {
  users: number;
  tasksPerUser: number;
}

export const userId = (i: number): string => `growth-${String(i).padStart(6, '0')}`;

async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** The number of tasks when `name` exists and holds a completed load of this shape, else undefined. */
export async function existingTasks(name: string, shape: GrowthShape): Promise<number | undefined> {
  const exists = await withClient(
    PG_ADMIN_URL,
    async (c) => (await c.query('select 1 from pg_database where datname = $1', [name])).rowCount === 1,
  );
  if (!exists) return undefined;
  return withClient(urlOf(name), async (c) => {
    const marker = await c.query<{ d: string | null }>(`select obj_description('tasks'::regclass, 'pg_class') as d`);
    const expected = `growth load complete: ${shape.users} users x ${shape.tasksPerUser} tasks`;
    if (marker.rows[0]?.d !== expected) return undefined;
    const n = await c.query<{ n: number }>('select count(*)::int as n from tasks');
    return n.rows[0]!.n;
  });
}

class MigrationDialect extends PostgresDialect {
  override createAdapter(): TransactionLockedMigrationsAdapter {
    return new TransactionLockedMigrationsAdapter();
  }
}

/**
 * Applies pending migrations to a populated database, as `npm run migrate -- latest` does (one
 * transaction, the same adapter), but without the app pool's 15 s query_timeout: building an index
 * over 10,000,000 rows takes minutes. Answers the names applied.
 */
export async function upgrade(name: string): Promise<string[]> {
  const db = new Kysely<Database>({
    dialect: new MigrationDialect({ pool: new pg.Pool({ connectionString: urlOf(name), max: 1, options: '-c maintenance_work_mem=1GB' }) }),
  });
  try {
    return (await migrateToLatest(db)).map((r) => `${r.migrationName} ${r.status}`);
  } finally {
    await db.destroy();
  }
}

/** Task i (1-based) of the load: user i % users, fields that cycle with different periods. */
const TASK_SELECT = (users: number, total: number) => `
  select 'growth-' || lpad((i % ${users})::text, 6, '0'),
    (array['Buy','Call','Write','Fix','Review','Plan','Email','Book','Pay','Clean','Read','Send'])[1 + i % 12] || ' ' ||
    (array['groceries','the report','the dentist','invoice','car service','garden','slides','taxes','flight','kitchen','budget','team meeting','birthday gift'])[1 + (i / 12) % 13] ||
    ' #' || (i % 9973)::text,
    case when i % 3 = 0 then 'Remember to ' || (array['ask Sam','check the notes','bring the forms','confirm by mail','compare prices','call back'])[1 + i % 6] ||
      ' before ' || (array['Monday','Tuesday','Wednesday','Thursday','Friday','the weekend'])[1 + (i / 7) % 6] || '. Ref ' || substr(md5(i::text), 1, 8) end,
    i % 5 = 0,
    (array['low','medium','high'])[1 + (i / 5) % 3]::task_priority,
    case when i % 4 = 1 then null else now() + (((i * 7) % 4000) - 1000) * interval '1 hour' end,
    case when i % 10 = 0 then array['work'] when i % 7 = 0 then array['home','work'] when i % 11 = 0 then array['errands'] else '{}' end,
    case when i % 5 = 0 then now() - interval '3 years' + i * (interval '3 years' / ${total}) + interval '2 days' end,
    now() - interval '3 years' + i * (interval '3 years' / ${total}),
    now() - interval '3 years' + i * (interval '3 years' / ${total}) + (i % 97) * interval '1 hour'`;

/** Drops and builds `name` with `shape`, migrated, loaded, indexed, vacuumed and analysed. */
export async function buildDatabase(name: string, shape: GrowthShape): Promise<void> {
  const total = shape.users * shape.tasksPerUser;
  const started = performance.now();
  const elapsed = () => `${((performance.now() - started) / 1000).toFixed(0)} s`;
  await withClient(PG_ADMIN_URL, async (c) => {
    await c.query(`drop database if exists ${name} with (force)`);
    await c.query(`create database ${name}`);
  });
  const { db } = connect({ kind: 'postgres', url: urlOf(name), poolMax: 1 });
  try {
    await migrateToLatest(db);
  } finally {
    await db.destroy();
  }
  await withClient(urlOf(name), async (c) => {
    await c.query(`set maintenance_work_mem = '1GB'`);
    await c.query('set max_parallel_maintenance_workers = 2');
    const indexes = (
      await c.query<{ indexname: string; indexdef: string }>(
        `select indexname, indexdef from pg_indexes where tablename = 'tasks' and indexname <> 'tasks_pkey' order by indexname`,
      )
    ).rows;
    for (const { indexname } of indexes) await c.query(`drop index ${indexname}`);
    await c.query('alter table tasks drop constraint tasks_pkey');
    await c.query(`insert into users (id) select 'growth-' || lpad(u::text, 6, '0') from generate_series(0, ${shape.users - 1}) as u`);
    for (let from = 1; from <= total; from += BATCH) {
      const to = Math.min(total, from + BATCH - 1);
      await c.query(`insert into tasks (user_id, title, description, completed, priority, due_at, tags, completed_at, created_at, updated_at)
        ${TASK_SELECT(shape.users, total)} from generate_series(${from}, ${to}) as i`);
      log(`${name}: ${to.toLocaleString('en')} of ${total.toLocaleString('en')} tasks (${elapsed()})`);
    }
    await c.query('alter table tasks add constraint tasks_pkey primary key (id)');
    for (const { indexname, indexdef } of indexes) {
      await c.query(indexdef);
      log(`${name}: index ${indexname} (${elapsed()})`);
    }
    await c.query('vacuum analyze');
    await c.query(`comment on table tasks is 'growth load complete: ${shape.users} users x ${shape.tasksPerUser} tasks'`);
  });
  log(`${name}: ${total.toLocaleString('en')} tasks for ${shape.users.toLocaleString('en')} users built in ${elapsed()}`);
}

/** The index definitions of tasks in `a` and `b` are the same (the load re-created every one). */
export async function sameIndexes(a: string, b: string): Promise<void> {
  const defs = (name: string) =>
    withClient(urlOf(name), async (c) =>
      (await c.query<{ d: string }>(`select indexdef as d from pg_indexes where tablename = 'tasks' order by indexname`)).rows
        .map((r) => r.d)
        .join('\n'),
    );
  const [x, y] = await Promise.all([defs(a), defs(b)]);
  if (x !== y) throw new Error(`the indexes of tasks differ between ${a} and ${b}:\n${x}\n---\n${y}`);
}

export interface SizeReport {
  table: string;
  indexes: { name: string; size: string }[];
  total: string;
  sharedBuffers: string;
}

export async function sizes(name: string): Promise<SizeReport> {
  return withClient(urlOf(name), async (c) => {
    const t = await c.query<{ t: string; all: string; sb: string }>(
      `select pg_size_pretty(pg_table_size('tasks')) as t, pg_size_pretty(pg_total_relation_size('tasks')) as all, current_setting('shared_buffers') as sb`,
    );
    const i = await c.query<{ name: string; size: string }>(
      `select indexrelname as name, pg_size_pretty(pg_relation_size(indexrelid)) as size from pg_stat_user_indexes where relname = 'tasks' order by pg_relation_size(indexrelid) desc`,
    );
    return { table: t.rows[0]!.t, total: t.rows[0]!.all, sharedBuffers: t.rows[0]!.sb, indexes: i.rows };
  });
}

/** `count` users spread over the whole table (every users/count-th), each with their task ids. */
export async function sampleUsers(name: string, users: number, count: number): Promise<{ id: string; taskIds: string[] }[]> {
  const step = Math.max(1, Math.floor(users / count));
  const ids = Array.from({ length: Math.min(count, users) }, (_, k) => userId(k * step));
  return withClient(urlOf(name), async (c) => {
    const rows = await c.query<{ user_id: string; ids: string[] }>(
      'select user_id, array_agg(id) as ids from tasks where user_id = any($1) group by user_id',
      [ids],
    );
    return rows.rows.map((r) => ({ id: r.user_id, taskIds: r.ids }));
  });
}
