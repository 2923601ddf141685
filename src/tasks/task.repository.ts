// Task queries. Each function takes the database and the owner first; every query starts
// from ownedTasks(), so each one is filtered by the owner. Rows become API tasks in toTask() only (task-row.ts).
// Each query is a shape (src/db/query-shapes.ts): built and compiled once, bound per call.
import { sql, type ExpressionBuilder, type Kysely } from 'kysely';
import type { components } from '../../generated/openapi.js';
import type { Database, TaskPriority } from '../db/schema.js';
import type { Subject } from '../auth/subject.js';
import { oneShape, queryShape, type Placeholders } from '../db/query-shapes.js';
import { ownedTasks } from './owned-tasks.js';
import { upsertUser } from '../users/user.repository.js';
import { normalizeTags } from './tags.js';
import { taskColumns, toTask } from './task-row.js';

const FOREIGN_KEY_VIOLATION = '23503';

export type Task = components['schemas']['Task'];
export type TaskChanges = components['schemas']['TaskPatch'];
export type NewTask = components['schemas']['TaskCreate'];

/** Every write moves the version (the ETag); `versions` (If-Match) restricts the write to those. */
const nextVersion = sql<number>`version + 1`;
const atVersion = (versions: readonly number[]) => (eb: ExpressionBuilder<Database, 'tasks'>) =>
  versions.length > 0 ? eb('version', 'in', versions) : eb.lit(false);

/** The If-Match versions of a write: how many (a part of the shape), or null for an unconditional write. */
interface Versions {
  versions?: readonly number[] | undefined;
}
const versionCount = (v: Versions) => (v.versions === undefined ? null : v.versions.length);
const versionFilter = (p: Placeholders<Versions>, count: number | null) =>
  count === null ? undefined : atVersion(p.items('versions', count));

const findQuery = queryShape(oneShape<{ owner: Subject; id: string }>(), (db, p) =>
  ownedTasks(db, p.owner).select().select(taskColumns).where('id', '=', p.id),
);

export async function findTask(db: Kysely<Database>, owner: Subject, id: string): Promise<Task | undefined> {
  const row = (await db.executeQuery(findQuery(db, { owner, id }))).rows[0];
  return row && toTask(row);
}

interface NewTaskValues {
  owner: Subject;
  title: string;
  description: string | null;
  completed: boolean;
  priority?: TaskPriority | undefined;
  due_at?: string | undefined;
  tags?: string[] | undefined;
}

const insertQuery = queryShape(
  (v: NewTaskValues) => ({
    completed: v.completed,
    priority: v.priority !== undefined,
    due_at: v.due_at !== undefined,
    tags: v.tags !== undefined,
  }),
  (db, p, shape) =>
    ownedTasks(db, p.owner)
      .insert({
        title: p.title,
        description: p.description,
        completed: p.completed,
        completed_at: shape.completed ? (sql<Date>`now()` as unknown as Date) : null,
        ...(shape.priority ? { priority: p.priority } : {}),
        due_at: shape.due_at ? timestamptz(p.due_at) : null,
        ...(shape.tags ? { tags: p.tags } : {}),
      })
      .returning(taskColumns),
);

export async function createTask(db: Kysely<Database>, owner: Subject, input: NewTask): Promise<Task> {
  const values: NewTaskValues = {
    owner,
    title: input.title,
    description: input.description ?? null,
    completed: input.completed ?? false,
    priority: input.priority,
    due_at: input.due_at ?? undefined,
    tags: input.tags === undefined ? undefined : normalizeTags(input.tags),
  };
  const insert = async () => {
    const row = (await db.executeQuery(insertQuery(db, values))).rows[0];
    if (!row) throw new Error('insert returned no row');
    return toTask(row);
  };
  try {
    return await insert();
  } catch (error) {
    // The user row was deleted after this process first recorded the user: record it again
    // (in a transaction the failure aborted it; the caller retries the whole transaction).
    if ((error as { code?: unknown }).code !== FOREIGN_KEY_VIOLATION || db.isTransaction) throw error;
    await upsertUser(db, owner, undefined);
    return await insert();
  }
}

interface ChangeValues extends Versions {
  owner: Subject;
  id: string;
  title?: string | undefined;
  description?: string | null | undefined;
  completed?: boolean | undefined;
  priority?: TaskPriority | undefined;
  due_at?: string | null | undefined;
  tags?: string[] | undefined;
}

const changeQuery = queryShape(
  (v: ChangeValues) => ({
    title: v.title !== undefined,
    description: v.description !== undefined,
    completed: v.completed ?? null,
    priority: v.priority !== undefined,
    due_at: v.due_at === undefined ? 'absent' : v.due_at === null ? 'null' : 'value',
    tags: v.tags !== undefined,
    versions: versionCount(v),
  }),
  (db, p, shape) => {
    const filter = versionFilter(p, shape.versions);
    return ownedTasks(db, p.owner)
      .update()
      .set({
        ...(shape.title ? { title: p.title } : {}),
        ...(shape.description ? { description: p.description } : {}),
        ...(shape.completed !== null
          ? {
              completed: p.completed,
              // Set when the task becomes completed (kept if it already was), cleared when it becomes pending.
              completed_at: shape.completed ? sql<Date>`coalesce(completed_at, now())` : null,
            }
          : {}),
        ...(shape.priority ? { priority: p.priority } : {}),
        ...(shape.due_at !== 'absent' ? { due_at: shape.due_at === 'value' ? timestamptz(p.due_at) : null } : {}),
        ...(shape.tags ? { tags: p.tags } : {}),
        updated_at: sql`now()`,
        version: nextVersion,
      })
      .where('id', '=', p.id)
      .$if(filter !== undefined, (q) => q.where(filter!))
      .returning(taskColumns);
  },
);

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
  const values: ChangeValues = {
    owner,
    id,
    versions,
    title: changes.title,
    description: changes.description,
    completed: changes.completed,
    priority: changes.priority,
    due_at: changes.due_at,
    tags: changes.tags === undefined ? undefined : normalizeTags(changes.tags),
  };
  const fields = [values.title, values.description, values.completed, values.priority, values.due_at, values.tags];
  if (fields.every((value) => value === undefined)) {
    const task = await findTask(db, owner, id);
    return task && (versions === undefined || versions.includes(task.version)) ? task : undefined;
  }
  const row = (await db.executeQuery(changeQuery(db, values))).rows[0];
  return row && toTask(row);
}

const toggleQuery = queryShape(
  (v: { owner: Subject; id: string } & Versions) => versionCount(v),
  (db, p, count) => {
    const filter = versionFilter(p, count);
    return ownedTasks(db, p.owner)
      .update()
      .set({
        completed: sql<boolean>`not completed`,
        completed_at: sql<Date | null>`case when completed then null else now() end`,
        updated_at: sql`now()`,
        version: nextVersion,
      })
      .where('id', '=', p.id)
      .$if(filter !== undefined, (q) => q.where(filter!))
      .returning(taskColumns);
  },
);

/** Flips `completed` in one statement, so concurrent toggles each flip exactly once. */
export async function toggleTask(
  db: Kysely<Database>,
  owner: Subject,
  id: string,
  versions?: readonly number[],
): Promise<Task | undefined> {
  const row = (await db.executeQuery(toggleQuery(db, { owner, id, versions }))).rows[0];
  return row && toTask(row);
}

const deleteQuery = queryShape(
  (v: { owner: Subject; id: string } & Versions) => versionCount(v),
  (db, p, count) => {
    const filter = versionFilter(p, count);
    return ownedTasks(db, p.owner)
      .delete()
      .where('id', '=', p.id)
      .$if(filter !== undefined, (q) => q.where(filter!));
  },
);

export async function deleteTask(db: Kysely<Database>, owner: Subject, id: string, versions?: readonly number[]): Promise<boolean> {
  const result = await db.executeQuery(deleteQuery(db, { owner, id, versions }));
  return (result.numAffectedRows ?? 0n) > 0n;
}

/** The shapes of this file, for the test that checks every compiled task query is owner-filtered. */
export const taskQueryShapes = { findQuery, insertQuery, changeQuery, toggleQuery, deleteQuery };

/**
 * A date-time from the contract as PostgreSQL parses it (any RFC 3339 offset; returned in UTC),
 * not through a JavaScript Date, which would lose microseconds and refuse some valid forms.
 */
function timestamptz(value: string): Date {
  // A SQL expression where the column's type says Date: Kysely sends either the same way.
  return sql<Date>`${value}::timestamptz` as unknown as Date;
}
