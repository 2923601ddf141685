// The list operation: one page of the owner's tasks, filtered, ordered, after a cursor (or an
// offset), and the cursor of the next page when more follow.
import type { Kysely } from 'kysely';
import { queryShape } from '../db/query-shapes.js';
import type { Database } from '../db/schema.js';
import type { Subject } from '../auth/subject.js';
import { ApiError } from '../errors.js';
import { ownedTasks } from './owned-tasks.js';
import type { Task } from './task.repository.js';
import { taskColumns, toTask } from './task-row.js';
import type { ListFilters, ListParams } from './list-params.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import { applyFilters, applyOrder, cursorKey, listShapeOf, listValues } from './list-query.js';

export interface TaskPage {
  tasks: Task[];
  /** The cursor of the page after this one; undefined when this is the last. */
  next: string | undefined;
}

export async function listTasks(db: Kysely<Database>, owner: Subject, params: ListParams): Promise<TaskPage> {
  const { rows } = await db.executeQuery(listQuery(db, owner, params));
  const { limit, ...filters } = withoutPaging(params);
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    tasks: page.map(toTask),
    next: rows.length > limit && last ? encodeCursor(filters, { key: last.cursor_key, id: last.id }) : undefined,
  };
}

const pageQuery = queryShape(listShapeOf, (db, p, shape) => {
  const query = ownedTasks(db, p.owner).select().select(taskColumns).select(cursorKey(shape.sort, shape.order).as('cursor_key'));
  return applyOrder(applyFilters(query, p, shape), p, shape)
    .limit(p.limit)
    .offset(p.offset);
});

/** The page's query (limit + 1 rows: one past the page tells whether a next page exists, without a count). */
export function listQuery(db: Kysely<Database>, owner: Subject, params: ListParams) {
  const { cursor, offset } = params;
  const { limit, ...filters } = withoutPaging(params);
  if (cursor !== undefined && offset !== undefined) {
    const message = 'cannot be combined with cursor: the cursor already says where the page starts';
    throw new ApiError(422, 'validation_failed', `The request is invalid: query.offset ${message}.`, {}, [
      { in: 'query', field: 'offset', message },
    ]);
  }
  const after = cursor === undefined ? undefined : decodeCursor(cursor, filters);
  return pageQuery(db, listValues(owner, filters, after, limit + 1, offset ?? 0));
}

/** The list's shapes compiled so far, for the test that checks every task query is owner-filtered. */
export const listQueryShapes = { pageQuery };

/** The limit and the filters + sort + order a cursor is bound to. */
function withoutPaging(params: ListParams): ListFilters & { limit: number } {
  const filters: ListFilters & { limit: number; cursor?: string; offset?: number } = { ...params };
  delete filters.cursor;
  delete filters.offset;
  return filters;
}

/** The query string of the next page: the same filters, sort, order and limit, and its cursor. */
export function nextPageQuery(params: ListParams, cursor: string): URLSearchParams {
  const next = new URLSearchParams();
  const filters: ListFilters = params;
  if (filters.status !== 'all') next.set('status', filters.status);
  if (filters.priority) next.set('priority', filters.priority.join(','));
  for (const tag of filters.tag ?? []) next.append('tag', tag);
  if (filters.q !== undefined) next.set('q', filters.q);
  if (filters.due_before !== undefined) next.set('due_before', filters.due_before);
  if (filters.due_after !== undefined) next.set('due_after', filters.due_after);
  if (filters.overdue) next.set('overdue', 'true');
  next.set('sort', filters.sort);
  next.set('order', filters.order);
  next.set('limit', String(params.limit));
  next.set('cursor', cursor);
  return next;
}
