// The list operation: one page of the owner's tasks, filtered, ordered, after a cursor (or an
// offset), and the cursor of the next page when more follow.
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { Subject } from '../auth/subject.js';
import { InvalidInput } from '../domain/errors.js';
import { toTask, type Task } from './task-fields.js';
import type { ListFilters, ListParams } from './list-params.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import { listValues, pageQuery } from './list-query.js';

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

/** The page's query (limit + 1 rows: one past the page tells whether a next page exists, without a count). */
export function listQuery(db: Kysely<Database>, owner: Subject, params: ListParams) {
  const { cursor, offset } = params;
  const { limit, ...filters } = withoutPaging(params);
  if (cursor !== undefined && offset !== undefined)
    throw new InvalidInput('query', 'offset', 'cannot be combined with cursor: the cursor already says where the page starts');
  const after = cursor === undefined ? undefined : decodeCursor(cursor, filters);
  return pageQuery(db, listValues(owner, filters, after, limit + 1, offset ?? 0));
}

/** The limit and the filters + sort + order a cursor is bound to. */
function withoutPaging(params: ListParams): ListFilters & { limit: number } {
  const filters: ListFilters & { limit: number; cursor?: string; offset?: number } = { ...params };
  delete filters.cursor;
  delete filters.offset;
  return filters;
}
