// The list's filters, order and keyset condition, applied to a query that ownedTasks() started
// (so the owner filter is already there). Each order has an index that leads with user_id and
// ends with id (src/db/migrations/2026_12_01_0001_task_fields.ts), and the keyset condition is a
// row comparison on exactly those columns, so a page deep in a walk is an index range scan, not a
// skip over every earlier task.
import { sql, type RawBuilder, type SelectQueryBuilder } from 'kysely';
import type { Database } from '../db/schema.js';
import type { ListFilters, SortField, SortOrder } from './list-params.js';
import type { Position } from './cursor.js';
import { normalizeTags } from './tags.js';

type TaskQuery<O> = SelectQueryBuilder<Database, 'tasks', O>;

export function applyFilters<O>(query: TaskQuery<O>, f: ListFilters): TaskQuery<O> {
  let q = query;
  if (f.status !== 'all') q = q.where('completed', '=', f.status === 'completed');
  if (f.priority) q = q.where('priority', 'in', [...new Set(f.priority)]);
  if (f.tag) q = q.where(sql<boolean>`tags @> ${sql.val(normalizeTags(f.tag))}::text[]`);
  if (f.q !== undefined) {
    const pattern = `%${escapeLike(f.q)}%`;
    q = q.where(sql<boolean>`(title ilike ${pattern} or description ilike ${pattern})`);
    // One or two characters have no trigram: the index of the tripled texts narrows, the ILIKE above
    // rechecks (src/db/migrations/2026_12_02_0001_short_search.ts).
    const characters = [...f.q];
    if (characters.length < 3) {
      const tripled = `%${escapeLike(characters.map((c) => c.repeat(3)).join(''))}%`;
      q = q.where(sql<boolean>`(task_tripled(title) ilike ${tripled} or task_tripled(description) ilike ${tripled})`);
    }
  }
  if (f.due_before !== undefined) q = q.where(sql<boolean>`due_at < ${f.due_before}::timestamptz`);
  if (f.due_after !== undefined) q = q.where(sql<boolean>`due_at > ${f.due_after}::timestamptz`);
  if (f.overdue) q = q.where(sql<boolean>`not completed and due_at < now()`);
  return q;
}

/** `%`, `_` and the escape character itself match themselves (LIKE's default escape is `\`). */
function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

interface SortSpec {
  /** The columns of the order, before id. */
  columns: (order: SortOrder) => RawBuilder<unknown>[];
  /** The same columns for a cursor's key. */
  values: (key: string | null, order: SortOrder) => RawBuilder<unknown>[];
  /** The row's key as the cursor carries it (text, exact). */
  key: (order: SortOrder) => RawBuilder<string | null>;
}

const micros = (column: RawBuilder<unknown>) => sql<string>`(extract(epoch from ${column}) * 1000000)::bigint::text`;
const fromMicros = (key: string | null) => sql`(timestamptz 'epoch' + (${key} || ' microseconds')::interval)`;
// Tasks without a due date sort as +infinity ascending and -infinity descending: last either way.
const noDueDate = (order: SortOrder) => (order === 'asc' ? sql`'infinity'::timestamptz` : sql`'-infinity'::timestamptz`);
const dueKey = (order: SortOrder) => sql`coalesce(due_at, ${noDueDate(order)})`;

const timestampSort = (column: 'created_at' | 'updated_at'): SortSpec => ({
  columns: () => [sql.ref(column)],
  values: (key) => [fromMicros(key)],
  key: () => micros(sql.ref(column)),
});

const SORTS: Record<SortField, SortSpec> = {
  created_at: timestampSort('created_at'),
  updated_at: timestampSort('updated_at'),
  title: {
    columns: () => [sql`lower(title)`, sql.ref('title')],
    values: (key) => [sql`lower(${key})`, sql`${key}`],
    key: () => sql<string>`title`,
  },
  priority: {
    columns: () => [sql.ref('priority')],
    values: (key) => [sql`${key}::task_priority`],
    key: () => sql<string>`priority::text`,
  },
  due_at: {
    columns: (order) => [dueKey(order)],
    values: (key, order) => [key === null ? noDueDate(order) : fromMicros(key)],
    key: () => sql<string | null>`case when due_at is null then null else ${micros(sql.ref('due_at'))} end`,
  },
};

/** Orders by the sort's columns then id, all in `order`, and starts after `after` when given. */
export function applyOrder<O>(query: TaskQuery<O>, sort: SortField, order: SortOrder, after: Position | undefined): TaskQuery<O> {
  const spec = SORTS[sort];
  const columns = spec.columns(order);
  let q = query;
  if (after) {
    const left = sql.join([...columns, sql.ref('id')]);
    const right = sql.join([...spec.values(after.key, order), sql`${after.id}::uuid`]);
    q = q.where(order === 'asc' ? sql<boolean>`(${left}) > (${right})` : sql<boolean>`(${left}) < (${right})`);
  }
  for (const column of columns) q = q.orderBy(column, order);
  return q.orderBy('id', order);
}

/** The expression that gives a row's cursor key for this sort. */
export function cursorKey(sort: SortField, order: SortOrder): RawBuilder<string | null> {
  return SORTS[sort].key(order);
}
