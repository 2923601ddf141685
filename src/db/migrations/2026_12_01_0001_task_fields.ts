// Frozen: never edit a migration that has shipped; add a new one.
//
// The task model v2 (issue 9): priority, due_at, tags, completed_at, the indexes the list's
// sorts, filters and search need, and the per-user counts the stats read (task_counts). Every statement is idempotent (IF NOT EXISTS), so an
// operator can run onlineSteps() first, outside any transaction, on a large PostgreSQL table
// (`npm run migrate -- online`: CREATE INDEX CONCURRENTLY, writes keep flowing), and `up` then
// only finds everything in place and records it. See docs/OPERATIONS.md, "Schema changes on a
// large table".
import { sql, type Kysely, type RawBuilder } from 'kysely';

/** The new columns: constant defaults and nullable columns, so PostgreSQL adds them without rewriting the table. */
const COLUMNS: RawBuilder<unknown>[] = [
  sql`alter table tasks add column if not exists priority task_priority not null default 'medium'`,
  sql`alter table tasks add column if not exists due_at timestamptz`,
  sql`alter table tasks add column if not exists tags text[] not null default '{}'`,
  sql`alter table tasks add column if not exists completed_at timestamptz`,
];

/**
 * Index name → its definition after `on tasks`. Every btree leads with user_id (every query is
 * owner-filtered) and ends with id (the tie-breaker of every order, and the keyset cursor's last key).
 */
export const INDEXES: Record<string, string> = {
  tasks_user_id_updated_at_idx: '(user_id, updated_at, id)',
  tasks_user_id_title_idx: '(user_id, lower(title), title, id)',
  tasks_user_id_priority_idx: '(user_id, priority, id)',
  // due_at with tasks without one last in either order: ascending reads the first index forwards,
  // descending the second backwards.
  tasks_user_id_due_at_asc_idx: "(user_id, coalesce(due_at, 'infinity'::timestamptz), id)",
  tasks_user_id_due_at_desc_idx: "(user_id, coalesce(due_at, '-infinity'::timestamptz), id)",
  // The stats' overdue count, and overdue=true: pending tasks with a due date only.
  tasks_user_id_overdue_idx: '(user_id, due_at) where not completed and due_at is not null',
  // GIN with user_id as a key (btree_gin), so a tag or text search looks at the owner's rows only.
  tasks_user_id_tags_idx: 'using gin (user_id, tags)',
  tasks_title_trgm_idx: 'using gin (user_id, title gin_trgm_ops)',
  tasks_description_trgm_idx: 'using gin (user_id, description gin_trgm_ops)',
};

const PREREQUISITES: RawBuilder<unknown>[] = [
  sql`create extension if not exists pg_trgm`,
  sql`create extension if not exists btree_gin`,
  sql`do $$ begin create type task_priority as enum ('low', 'medium', 'high'); exception when duplicate_object then null; end $$`,
];

/**
 * completed_at for tasks completed before it existed: their last change is the best record of when.
 * And, after `online`, for tasks the previous version completed or reopened in the meantime (it
 * never wrote completed_at).
 */
const BACKFILL = sql`
  update tasks set completed_at = case when completed then updated_at end
  where (completed and completed_at is null) or (not completed and completed_at is not null)`;

/**
 * The stats' counts per (user, priority, completed), kept by statement-level triggers on tasks
 * (transition tables: one aggregate per statement, so a bulk load costs one upsert per group, not
 * one per row), so GET …/stats reads at most six rows instead of counting an account of any size.
 * Each statement adjusts every group it touched in one upsert, in a fixed order, so two concurrent
 * writes never lock the same counter rows in opposite orders (no deadlock); groups whose count did
 * not change (an update of the title) are left alone. Rows are never deleted (a count may be 0),
 * and user_id has no foreign key: deleting a user cascades to its tasks, whose trigger then sets
 * its counts to 0 while the user row is going away.
 */
const adjust = (rows: string) => `
  insert into task_counts as c (user_id, priority, completed, n)
  select user_id, priority, completed, sum(n) from (${rows}) d
  group by user_id, priority, completed having sum(n) <> 0
  order by user_id, priority, completed
  on conflict (user_id, priority, completed) do update set n = c.n + excluded.n`;
const countsFunction = (name: string, rows: string) =>
  sql.raw(`create or replace function ${name}() returns trigger language plpgsql as $$
    begin ${adjust(rows)}; return null; end $$`);
const COUNT_TRIGGERS = {
  task_counts_inserted: { event: 'insert', tables: 'new table as new_rows' },
  task_counts_deleted: { event: 'delete', tables: 'old table as old_rows' },
  task_counts_updated: { event: 'update', tables: 'old table as old_rows new table as new_rows' },
};
const COUNTS: RawBuilder<unknown>[] = [
  sql`create table if not exists task_counts (
    user_id text not null,
    priority task_priority not null,
    completed boolean not null,
    n bigint not null,
    primary key (user_id, priority, completed))`,
  countsFunction('task_counts_inserted', 'select user_id, priority, completed, 1 as n from new_rows'),
  countsFunction('task_counts_deleted', 'select user_id, priority, completed, -1 as n from old_rows'),
  countsFunction(
    'task_counts_updated',
    'select user_id, priority, completed, 1 as n from new_rows union all select user_id, priority, completed, -1 from old_rows',
  ),
  ...Object.entries(COUNT_TRIGGERS).flatMap(([name, { event, tables }]) => [
    sql.raw(`drop trigger if exists ${name} on tasks`),
    sql.raw(`create trigger ${name} after ${event} on tasks referencing ${tables} for each statement execute function ${name}()`),
  ]),
];

/** The counts of the tasks already there (inside the migration's transaction, or under a share lock online). */
const COUNTS_BACKFILL = sql`
  insert into task_counts (user_id, priority, completed, n)
  select user_id, priority, completed, count(*) from tasks group by 1, 2, 3
  on conflict (user_id, priority, completed) do update set n = excluded.n`;

export async function up(db: Kysely<any>): Promise<void> {
  for (const statement of [...PREREQUISITES, ...COLUMNS]) await statement.execute(db);
  await BACKFILL.execute(db);
  // Writes wait for the count (SHARE lock until commit), so no write is counted twice or missed.
  await sql`lock table tasks in share mode`.execute(db);
  for (const statement of COUNTS) await statement.execute(db);
  await COUNTS_BACKFILL.execute(db);
  for (const [name, definition] of Object.entries(INDEXES)) {
    await sql.raw(`create index if not exists ${name} on tasks ${definition}`).execute(db);
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const name of Object.keys(INDEXES)) await sql.raw(`drop index if exists ${name}`).execute(db);
  for (const name of Object.keys(COUNT_TRIGGERS)) {
    await sql.raw(`drop trigger if exists ${name} on tasks`).execute(db);
    await sql.raw(`drop function if exists ${name}()`).execute(db);
  }
  await sql`drop table if exists task_counts`.execute(db);
  await sql`alter table tasks drop column completed_at, drop column tags, drop column due_at, drop column priority`.execute(db);
  await sql`drop type task_priority`.execute(db);
  // The extensions stay: other schemas may use them, and they hold no data.
}

/**
 * The same schema change for a large PostgreSQL table, run outside any transaction before `up`:
 * the columns (each a brief lock, no rewrite), the backfill in batches, and every index built
 * CONCURRENTLY (writes go on while it builds). `log` reports each step.
 */
export async function onlineSteps(db: Kysely<any>, log: (line: string) => void): Promise<void> {
  for (const statement of [...PREREQUISITES, ...COLUMNS]) await statement.execute(db);
  log('columns in place');
  for (;;) {
    const result = await sql`
      update tasks set completed_at = updated_at
      where id in (select id from tasks where completed and completed_at is null limit 10000)`.execute(db);
    if (!result.numAffectedRows) break;
    log(`backfilled completed_at of ${result.numAffectedRows} tasks`);
  }
  // The counts: the trigger and the count of what is there, in one transaction holding a SHARE
  // lock on tasks (writes wait for the length of one count of the table, reads go on).
  await db.transaction().execute(async (trx) => {
    await sql`lock table tasks in share mode`.execute(trx);
    for (const statement of COUNTS) await statement.execute(trx);
    await COUNTS_BACKFILL.execute(trx);
  });
  log('task_counts in place');
  for (const [name, definition] of Object.entries(INDEXES)) {
    const invalid = await sql<{ n: number }>`
      select count(*)::int as n from pg_index i join pg_class c on c.oid = i.indexrelid
      where c.relname = ${name} and not i.indisvalid`.execute(db);
    // A concurrent build that failed leaves an invalid index, which IF NOT EXISTS would keep.
    if (invalid.rows[0]!.n > 0) await sql.raw(`drop index concurrently if exists ${name}`).execute(db);
    await sql.raw(`create index concurrently if not exists ${name} on tasks ${definition}`).execute(db);
    log(`index ${name} built`);
  }
}
