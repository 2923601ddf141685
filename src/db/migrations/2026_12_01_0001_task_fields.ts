// Frozen: never edit a migration that has shipped; add a new one.
//
// The task model v2 (issue 9): priority, due_at, tags, completed_at, and the indexes the list's
// sorts, filters, search and the stats need. Every statement is idempotent (IF NOT EXISTS), so an
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
  // INCLUDE: the stats count from this index alone (an index-only scan, no table reads).
  tasks_user_id_priority_idx: '(user_id, priority, id) include (completed, due_at)',
  // due_at with tasks without one last in either order: ascending reads the first index forwards,
  // descending the second backwards.
  tasks_user_id_due_at_asc_idx: "(user_id, coalesce(due_at, 'infinity'::timestamptz), id)",
  tasks_user_id_due_at_desc_idx: "(user_id, coalesce(due_at, '-infinity'::timestamptz), id)",
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

export async function up(db: Kysely<any>): Promise<void> {
  for (const statement of [...PREREQUISITES, ...COLUMNS]) await statement.execute(db);
  await BACKFILL.execute(db);
  for (const [name, definition] of Object.entries(INDEXES)) {
    await sql.raw(`create index if not exists ${name} on tasks ${definition}`).execute(db);
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const name of Object.keys(INDEXES)) await sql.raw(`drop index if exists ${name}`).execute(db);
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
