// The list's page query, as a shape of src/db/query-shapes.ts: owned() starts it (so the owner
// filter comes first), each filter of list-filters.ts adds its condition, list-order.ts the order
// and keyset condition; built from the shape with placeholders for the values, compiled once per
// shape.
import type { Kysely } from 'kysely';
import { queryShape } from '../db/query-shapes.js';
import type { Database } from '../db/schema.js';
import type { Subject } from '../auth/subject.js';
import { owned } from '../db/owned.js';
import type { ListFilters } from './list-params.js';
import type { Position } from './cursor.js';
import { listFilters } from './list-filters.js';
import { applyOrder, cursorKey, orderShapeOf, type OrderValues } from './list-order.js';
import { taskColumns, type TaskRow } from './task-fields.js';

/** A list query's values: the owner, each filter's bound values (list-filters.ts), the order and position, the page. */
export interface ListValues extends OrderValues {
  owner: Subject;
  limit: number;
  offset: number;
  [filterValue: string]: unknown;
}

export function listValues(owner: Subject, f: ListFilters, after: Position | undefined, limit: number, offset: number): ListValues {
  const values: ListValues = { owner, sort: f.sort, order: f.order, after_key: after?.key, after_id: after?.id, limit, offset };
  for (const filter of listFilters) filter.bind(f[filter.param], values);
  return values;
}

/** Everything the list's SQL text depends on: each filter's shape, in table order, then the order's. */
function listShapeOf(v: ListValues) {
  return { filters: listFilters.map((filter) => filter.shape(v)), sort: v.sort, order: v.order, after: orderShapeOf(v) };
}

/** A page of rows, each with its cursor key (list-order.ts), limit + 1 of them: one past the page tells whether a next page exists. */
export const pageQuery = queryShape(
  listShapeOf,
  (db: Kysely<Database>, p, shape) => {
    let query = owned(db, 'tasks', p.owner)
      .select()
      .select(taskColumns)
      .select(cursorKey(shape.sort, shape.order).as('cursor_key'))
      .$castTo<TaskRow & { cursor_key: string | null }>();
    listFilters.forEach((filter, i) => (query = filter.apply(query, p, shape.filters[i])));
    return applyOrder(query, p, shape).limit(p.limit).offset(p.offset);
  },
  'tasks.list',
);
