// The list's order and keyset condition. Each order has an index that leads with user_id and
// ends with id (src/db/migrations/2026_12_01_0001_task_fields.ts), and the keyset condition is a
// row comparison on exactly those columns, so a page deep in a walk is an index range scan, not a
// skip over every earlier task.
import { sql, type RawBuilder, type SelectQueryBuilder } from 'kysely';
import type { Database } from '../db/schema.js';
import type { Placeholders } from '../db/query-shapes.js';
import type { SortField, SortOrder } from './list-params.js';

type TaskQuery<O> = SelectQueryBuilder<Database, 'tasks', O>;

/** The order's part of a list query's values and shape. */
export interface OrderValues {
  sort: SortField;
  order: SortOrder;
  /** The cursor's position; both undefined without a cursor. */
  after_key: string | null | undefined;
  after_id: string | undefined;
}

export interface OrderShape {
  sort: SortField;
  order: SortOrder;
  after: null | 'no key' | 'key';
}

export const orderShapeOf = (v: OrderValues): OrderShape['after'] =>
  v.after_id === undefined ? null : v.after_key === null ? 'no key' : 'key';

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
export function applyOrder<O>(query: TaskQuery<O>, p: Placeholders<OrderValues>, s: OrderShape): TaskQuery<O> {
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
