// The list's filters, order and keyset condition, applied to a query that ownedTasks() started
// (so the owner filter is already there), as a shape of src/db/query-shapes.ts: built from the
// shape (which filters, which sort) with placeholders for the values, compiled once per shape. Each order has an index that leads with user_id and
// ends with id (src/db/migrations/2026_12_01_0001_task_fields.ts), and the keyset condition is a
// row comparison on exactly those columns, so a page deep in a walk is an index range scan, not a
// skip over every earlier task.
import { sql, type RawBuilder, type SelectQueryBuilder } from 'kysely';
import type { Database, TaskPriority } from '../db/schema.js';
import type { Subject } from '../auth/subject.js';
import type { Placeholders } from '../db/query-shapes.js';
import type { ListFilters, SortField, SortOrder } from './list-params.js';
import type { Position } from './cursor.js';
import { normalizeTags } from './tags.js';

type TaskQuery<O> = SelectQueryBuilder<Database, 'tasks', O>;

/** A list query's values: the filters, sort and position a page is read with, prepared for SQL. */
export interface ListValues {
  owner: Subject;
  status: ListFilters['status'];
  /** Distinct. */
  priorities: TaskPriority[] | undefined;
  /** Normalised (tags.ts). */
  tags: string[] | undefined;
  /** The ILIKE pattern of `q`. */
  pattern: string | undefined;
  /** For a `q` of one or two characters: the ILIKE pattern of its tripled form (every character three times). */
  tripled_pattern: string | undefined;
  due_before: string | undefined;
  due_after: string | undefined;
  overdue: boolean;
  sort: SortField;
  order: SortOrder;
  /** The cursor's position; both undefined without a cursor. */
  after_key: string | null | undefined;
  after_id: string | undefined;
  limit: number;
  offset: number;
}

export function listValues(owner: Subject, f: ListFilters, after: Position | undefined, limit: number, offset: number): ListValues {
  return {
    owner,
    status: f.status,
    priorities: f.priority && [...new Set(f.priority)],
    tags: f.tag && normalizeTags(f.tag),
    pattern: f.q === undefined ? undefined : `%${escapeLike(f.q)}%`,
    tripled_pattern: f.q === undefined || [...f.q].length >= 3 ? undefined : `%${escapeLike([...f.q].map((c) => c.repeat(3)).join(''))}%`,
    due_before: f.due_before,
    due_after: f.due_after,
    overdue: f.overdue,
    sort: f.sort,
    order: f.order,
    after_key: after?.key,
    after_id: after?.id,
    limit,
    offset,
  };
}

/** Everything the list's SQL text depends on (the shape of src/db/query-shapes.ts). */
export type ListShape = ReturnType<typeof listShapeOf>;

export function listShapeOf(v: ListValues) {
  return {
    status: v.status,
    priorities: v.priorities === undefined ? null : v.priorities.length,
    tags: v.tags !== undefined,
    q: v.pattern !== undefined,
    short_q: v.tripled_pattern !== undefined,
    due_before: v.due_before !== undefined,
    due_after: v.due_after !== undefined,
    overdue: v.overdue,
    sort: v.sort,
    order: v.order,
    after: v.after_id === undefined ? null : v.after_key === null ? 'no key' : 'key',
  };
}

export function applyFilters<O>(query: TaskQuery<O>, p: Placeholders<ListValues>, s: ListShape): TaskQuery<O> {
  let q = query;
  if (s.status !== 'all') q = q.where('completed', '=', s.status === 'completed');
  if (s.priorities !== null) q = q.where('priority', 'in', p.items('priorities', s.priorities));
  if (s.tags) q = q.where(sql<boolean>`tags @> ${sql.val(p.tags)}::text[]`);
  if (s.q) q = q.where(sql<boolean>`(title ilike ${p.pattern} or description ilike ${p.pattern})`);
  // One or two characters have no trigram: the index of the tripled texts narrows, the ILIKE above
  // rechecks (src/db/migrations/2026_12_02_0001_short_search.ts).
  if (s.short_q)
    q = q.where(sql<boolean>`(task_tripled(title) ilike ${p.tripled_pattern} or task_tripled(description) ilike ${p.tripled_pattern})`);
  if (s.due_before) q = q.where(sql<boolean>`due_at < ${p.due_before}::timestamptz`);
  if (s.due_after) q = q.where(sql<boolean>`due_at > ${p.due_after}::timestamptz`);
  if (s.overdue) q = q.where(sql<boolean>`not completed and due_at < now()`);
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

/** Orders by the sort's columns then id, all in the shape's order, and starts after the cursor's position when it has one. */
export function applyOrder<O>(query: TaskQuery<O>, p: Placeholders<ListValues>, s: ListShape): TaskQuery<O> {
  const spec = SORTS[s.sort];
  const columns = spec.columns(s.order);
  let q = query;
  if (s.after !== null) {
    const left = sql.join([...columns, sql.ref('id')]);
    const right = sql.join([...spec.values(s.after === 'no key' ? null : p.after_key, s.order), sql`${p.after_id}::uuid`]);
    q = q.where(s.order === 'asc' ? sql<boolean>`(${left}) > (${right})` : sql<boolean>`(${left}) < (${right})`);
  }
  for (const column of columns) q = q.orderBy(column, s.order);
  return q.orderBy('id', s.order);
}

/** The expression that gives a row's cursor key for this sort. */
export function cursorKey(sort: SortField, order: SortOrder): RawBuilder<string | null> {
  return SORTS[sort].key(order);
}
