// Frozen: never edit a migration that has shipped; add a new one.
//
// A search of one or two characters (q=zz) cannot use the trigram indexes of 2026_12_01_0001
// (pg_trgm needs three characters), so it read every task of the account. task_tripled(text) writes
// every character three times ('Zz!' → 'ZZZzzz!!!'), and a trigram index of the tripled title and
// description serves them: a text that contains 'zz' has 'zzzzzz' in its tripled form, whose
// trigrams ('zzz') the index finds, and one character 'e' becomes the trigram 'eee'. The list adds
// `task_tripled(title) ilike '%zzzzzz%' or task_tripled(description) ilike …` for such a q and keeps
// the plain ILIKE, which rechecks every row (src/tasks/list-query.ts). btree_gin puts user_id in
// the index, so the search reads the owner's tasks only. See docs/PERFORMANCE.md.
//
// Like 2026_12_01_0001, an operator with a large PostgreSQL table can build the indexes first with
// CREATE INDEX CONCURRENTLY (onlineSteps, `npm run migrate -- online`); `up` then finds them in place.
import { sql, type Kysely } from 'kysely';

/** A one-expression SQL function: PostgreSQL inlines it, in the index and in the query alike. */
const FUNCTION = sql`
  create or replace function task_tripled(t text) returns text
  language sql immutable parallel safe strict
  return regexp_replace(t, '(.)', '\\1\\1\\1', 'g')`;

export const INDEXES: Record<string, string> = {
  tasks_title_tripled_trgm_idx: 'using gin (user_id, task_tripled(title) gin_trgm_ops)',
  tasks_description_tripled_trgm_idx: 'using gin (user_id, task_tripled(description) gin_trgm_ops)',
};

export async function up(db: Kysely<any>): Promise<void> {
  await FUNCTION.execute(db);
  for (const [name, definition] of Object.entries(INDEXES)) {
    await sql.raw(`create index if not exists ${name} on tasks ${definition}`).execute(db);
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const name of Object.keys(INDEXES)) await sql.raw(`drop index if exists ${name}`).execute(db);
  await sql`drop function if exists task_tripled(text)`.execute(db);
}

/** The same change outside a transaction: each index built CONCURRENTLY (writes go on meanwhile). */
// The loop repeats 2026_12_01_0001's on purpose: a migration holds everything it runs, so no later
// change to a shared helper can change what a shipped migration does.
export async function onlineSteps(db: Kysely<any>, log: (line: string) => void): Promise<void> {
  await FUNCTION.execute(db);
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
