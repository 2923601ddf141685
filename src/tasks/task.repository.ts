// Task queries. Each function takes the database and the owner first; every query starts
// from ownedTasks(), so each one is filtered by the owner. Rows become API tasks in toTask() only.
import { sql, type ExpressionBuilder, type Kysely } from 'kysely';
import type { components, operations } from '../../generated/openapi.js';
import type { Database, TaskRow } from '../db/schema.js';
import type { Subject } from '../auth/subject.js';
import { ownedTasks } from './owned-tasks.js';
import { upsertUser } from '../users/user.repository.js';

const FOREIGN_KEY_VIOLATION = '23503';

export type Task = components['schemas']['Task'];
export type TaskChanges = components['schemas']['TaskPatch'];
export type NewTask = components['schemas']['TaskCreate'];
export type ListQuery = Required<NonNullable<operations['listTasks']['parameters']['query']>>;

export function toTask(row: TaskRow): Task {
  return {
    id: row.id,
    user_id: row.user_id,
    title: row.title,
    description: row.description,
    completed: row.completed,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
    version: row.version,
  };
}

/** Every write moves the version (the ETag); `versions` (If-Match) restricts the write to those. */
const nextVersion = sql<number>`version + 1`;
const atVersion = (versions: readonly number[]) => (eb: ExpressionBuilder<Database, 'tasks'>) =>
  versions.length > 0 ? eb('version', 'in', versions) : eb.lit(false);

/** One page of tasks, and whether more follow it. */
export async function listTasks(db: Kysely<Database>, owner: Subject, q: ListQuery): Promise<{ tasks: Task[]; more: boolean }> {
  let query = ownedTasks(db, owner).select().selectAll();
  if (q.status !== 'all') query = query.where('completed', '=', q.status === 'completed');
  query = q.sort === 'title' ? query.orderBy(sql`lower(title)`, q.order).orderBy('title', q.order) : query.orderBy(q.sort, q.order);
  // One row past the page tells whether there is a next page, without a count query.
  const rows = await query.orderBy('id', q.order).limit(q.limit + 1).offset(q.offset).execute();
  return { tasks: rows.slice(0, q.limit).map(toTask), more: rows.length > q.limit };
}

export async function findTask(db: Kysely<Database>, owner: Subject, id: string): Promise<Task | undefined> {
  const row = await ownedTasks(db, owner).select().selectAll().where('id', '=', id).executeTakeFirst();
  return row && toTask(row);
}

export async function createTask(db: Kysely<Database>, owner: Subject, input: NewTask): Promise<Task> {
  const insert = () =>
    ownedTasks(db, owner)
      .insert({ title: input.title, description: input.description ?? null, completed: input.completed ?? false })
      .returningAll()
      .executeTakeFirstOrThrow();
  try {
    return toTask(await insert());
  } catch (error) {
    // The user row was deleted after this process first recorded the user: record it again
    // (in a transaction the failure aborted it; the caller retries the whole transaction).
    if ((error as { code?: unknown }).code !== FOREIGN_KEY_VIOLATION || db.isTransaction) throw error;
    await upsertUser(db, owner, undefined);
    return toTask(await insert());
  }
}

/**
 * Sets the fields `changes` names (others keep their value); no fields means no write. With
 * `versions`, only if the task is at one of them. Undefined: no such task, or not at `versions`.
 */
export async function changeTask(
  db: Kysely<Database>,
  owner: Subject,
  id: string,
  changes: TaskChanges,
  versions?: readonly number[],
): Promise<Task | undefined> {
  const set = {
    ...(changes.title !== undefined ? { title: changes.title } : {}),
    ...(changes.description !== undefined ? { description: changes.description } : {}),
    ...(changes.completed !== undefined ? { completed: changes.completed } : {}),
  };
  if (Object.keys(set).length === 0) {
    const task = await findTask(db, owner, id);
    return task && (versions === undefined || versions.includes(task.version)) ? task : undefined;
  }
  const row = await ownedTasks(db, owner)
    .update()
    .set({ ...set, updated_at: sql`now()`, version: nextVersion })
    .where('id', '=', id)
    .$if(versions !== undefined, (q) => q.where(atVersion(versions!)))
    .returningAll()
    .executeTakeFirst();
  return row && toTask(row);
}

/** Flips `completed` in one statement, so concurrent toggles each flip exactly once. */
export async function toggleTask(db: Kysely<Database>, owner: Subject, id: string, versions?: readonly number[]): Promise<Task | undefined> {
  const row = await ownedTasks(db, owner)
    .update()
    .set({ completed: sql<boolean>`not completed`, updated_at: sql`now()`, version: nextVersion })
    .where('id', '=', id)
    .$if(versions !== undefined, (q) => q.where(atVersion(versions!)))
    .returningAll()
    .executeTakeFirst();
  return row && toTask(row);
}

export async function deleteTask(db: Kysely<Database>, owner: Subject, id: string, versions?: readonly number[]): Promise<boolean> {
  const result = await ownedTasks(db, owner)
    .delete()
    .where('id', '=', id)
    .$if(versions !== undefined, (q) => q.where(atVersion(versions!)))
    .executeTakeFirst();
  return result.numDeletedRows > 0n;
}
