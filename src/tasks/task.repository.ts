// Task queries. Each function takes the database and the owner first; every query starts
// from ownedTasks(), so each one is filtered by the owner. Rows become API tasks in toTask() only.
import { sql, type ExpressionBuilder, type Kysely } from 'kysely';
import type { components } from '../../generated/openapi.js';
import type { Database, TaskRow } from '../db/schema.js';
import type { Subject } from '../auth/subject.js';
import { ownedTasks } from './owned-tasks.js';
import { upsertUser } from '../users/user.repository.js';
import { normalizeTags } from './tags.js';

const FOREIGN_KEY_VIOLATION = '23503';

export type Task = components['schemas']['Task'];
export type TaskChanges = components['schemas']['TaskPatch'];
export type NewTask = components['schemas']['TaskCreate'];

export function toTask(row: TaskRow): Task {
  return {
    id: row.id,
    user_id: row.user_id,
    title: row.title,
    description: row.description,
    completed: row.completed,
    priority: row.priority,
    due_at: row.due_at && row.due_at.toISOString(),
    tags: row.tags,
    completed_at: row.completed_at && row.completed_at.toISOString(),
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
    version: row.version,
  };
}

/** Every write moves the version (the ETag); `versions` (If-Match) restricts the write to those. */
const nextVersion = sql<number>`version + 1`;
const atVersion = (versions: readonly number[]) => (eb: ExpressionBuilder<Database, 'tasks'>) =>
  versions.length > 0 ? eb('version', 'in', versions) : eb.lit(false);

export async function findTask(db: Kysely<Database>, owner: Subject, id: string): Promise<Task | undefined> {
  const row = await ownedTasks(db, owner).select().selectAll().where('id', '=', id).executeTakeFirst();
  return row && toTask(row);
}

export async function createTask(db: Kysely<Database>, owner: Subject, input: NewTask): Promise<Task> {
  const insert = () =>
    ownedTasks(db, owner)
      .insert({
        title: input.title,
        description: input.description ?? null,
        completed: input.completed ?? false,
        completed_at: input.completed ? (sql<Date>`now()` as unknown as Date) : null,
        ...(input.priority !== undefined ? { priority: input.priority } : {}),
        due_at: timestamptz(input.due_at),
        ...(input.tags !== undefined ? { tags: normalizeTags(input.tags) } : {}),
      })
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
    ...(changes.completed !== undefined
      ? {
          completed: changes.completed,
          // Set when the task becomes completed (kept if it already was), cleared when it becomes pending.
          completed_at: changes.completed ? sql<Date>`coalesce(completed_at, now())` : null,
        }
      : {}),
    ...(changes.priority !== undefined ? { priority: changes.priority } : {}),
    ...(changes.due_at !== undefined ? { due_at: timestamptz(changes.due_at) } : {}),
    ...(changes.tags !== undefined ? { tags: normalizeTags(changes.tags) } : {}),
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
    .set({
      completed: sql<boolean>`not completed`,
      completed_at: sql<Date | null>`case when completed then null else now() end`,
      updated_at: sql`now()`,
      version: nextVersion,
    })
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

/**
 * A date-time from the contract as PostgreSQL parses it (any RFC 3339 offset; returned in UTC),
 * not through a JavaScript Date, which would lose microseconds and refuse some valid forms.
 */
function timestamptz(value: string | null | undefined): Date | null {
  // A SQL expression where the column's type says Date: Kysely sends either the same way.
  return value === undefined || value === null ? null : (sql<Date>`${value}::timestamptz` as unknown as Date);
}
