// Task queries. Each function takes the database and the owner first; every query starts from
// owned(db, 'tasks', owner) (src/db/owned.ts), so each one is filtered by the owner. Which columns
// are read and written comes from the field table (task-fields.ts); rows become API tasks in
// toTask() only. Each query is a shape (src/db/query-shapes.ts): built and compiled once, bound
// per call. Rules (what a write that touched no row means, idempotency, what follows a
// completion) belong to the service (task.service.ts), not here.
import { sql, type ExpressionBuilder, type InsertObject, type Kysely } from 'kysely';
import type { components } from '../../generated/openapi.js';
import type { Database } from '../db/schema.js';
import type { Subject } from '../auth/subject.js';
import { owned } from '../db/owned.js';
import { oneShape, queryShape, type Placeholders } from '../db/query-shapes.js';
import { bindWritten, taskColumns, toTask, writtenColumns, type Task, type TaskRow } from './task-fields.js';

export type { Task };
export type TaskChanges = components['schemas']['TaskPatch'];
export type NewTask = components['schemas']['TaskCreate'];
/** The written fields of a PUT or PATCH, `completed` aside (changeCompletion() writes it). */
export type FieldChanges = Omit<TaskChanges, 'completed'>;

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

/** A bound field value, by field name (task-fields.ts bindWritten()). */
interface Written {
  /** Which fields are written: bindWritten()'s bitmask. */
  fields: number;
  [field: string]: unknown;
}

const findQuery = queryShape(
  oneShape<{ owner: Subject; id: string }>(),
  (db, p) => owned(db, 'tasks', p.owner).select().select(taskColumns).where('id', '=', p.id).$castTo<TaskRow>(),
  'tasks.find',
);

export async function findTask(db: Kysely<Database>, owner: Subject, id: string): Promise<Task | undefined> {
  const row = (await db.executeQuery(findQuery(db, { owner, id }))).rows[0];
  return row && toTask(row);
}

interface InsertValues extends Written {
  owner: Subject;
  completed: boolean;
}

const insertQuery = queryShape(
  (v: InsertValues) => ({ fields: v.fields, completed: v.completed }),
  (db, p, shape) =>
    owned(db, 'tasks', p.owner)
      .insert({
        ...(writtenColumns(p, shape.fields) as Omit<InsertObject<Database, 'tasks'>, 'user_id'>),
        completed: p.completed,
        // A task created completed was completed when it was created.
        ...(shape.completed ? { completed_at: sql<Date>`now()` } : {}),
      })
      .returning(taskColumns)
      .$castTo<TaskRow>(),
  'tasks.insert',
);

/** Inserts the task; fields `input` leaves out get the column's default. */
export async function createTask(db: Kysely<Database>, owner: Subject, input: NewTask): Promise<Task> {
  const values: InsertValues = { owner, completed: input.completed ?? false, fields: 0 };
  values.fields = bindWritten(input, values);
  const row = (await db.executeQuery(insertQuery(db, values))).rows[0];
  if (!row) throw new Error('insert returned no row');
  return toTask(row);
}

interface ChangeValues extends Written, Versions {
  owner: Subject;
  id: string;
  completed?: boolean | undefined;
}

/**
 * An UPDATE of the written fields, and `completed` with completed_at when given. Then a CTE first
 * locks the row and reads whether it was completed (`was_completed`), so the caller learns whether
 * this write changed it: the CTE's FOR NO KEY UPDATE waits for a concurrent writer and reads the
 * row it left, and the lock keeps it until this statement has written.
 */
const changeQuery = queryShape(
  (v: ChangeValues) => ({ fields: v.fields, completed: v.completed ?? null, versions: versionCount(v) }),
  (db, p, shape) => {
    const filter = versionFilter(p, shape.versions);
    const set = {
      ...writtenColumns(p, shape.fields),
      ...(shape.completed === null
        ? {}
        : {
            completed: p.completed,
            // Set when the task becomes completed (kept if it already was), cleared when it becomes pending.
            completed_at: shape.completed ? sql<Date>`coalesce(completed_at, now())` : null,
          }),
      updated_at: sql<Date>`now()`,
      version: nextVersion,
    };
    if (shape.completed === null)
      return owned(db, 'tasks', p.owner)
        .update()
        .set(set)
        .where('id', '=', p.id)
        .$if(filter !== undefined, (q) => q.where(filter!))
        .returning(taskColumns)
        .$castTo<TaskRow & { was_completed?: boolean }>();
    const withPrevious = db.with('previous', (db) =>
      owned(db, 'tasks', p.owner).select().select('completed as was_completed').where('id', '=', p.id).forNoKeyUpdate(),
    );
    return owned(withPrevious, 'tasks', p.owner)
      .update()
      .from('previous')
      .set(set)
      .where('tasks.id', '=', p.id)
      .$if(filter !== undefined, (q) => q.where(filter!))
      .returning([...taskColumns, 'previous.was_completed'])
      .$castTo<TaskRow & { was_completed?: boolean }>();
  },
  'tasks.change',
);

function changeValues(owner: Subject, id: string, changes: FieldChanges, versions: readonly number[] | undefined): ChangeValues {
  const values: ChangeValues = { owner, id, versions, fields: 0 };
  values.fields = bindWritten(changes, values);
  return values;
}

/**
 * Sets the fields `changes` names (others keep their value; `completed` is changeCompletion()'s);
 * at least one must be named. With `versions`, only if the task is at one of them. Undefined: no
 * such task, or not at `versions`.
 */
export async function changeTask(
  db: Kysely<Database>,
  owner: Subject,
  id: string,
  changes: FieldChanges,
  versions?: readonly number[],
): Promise<Task | undefined> {
  const row = (await db.executeQuery(changeQuery(db, changeValues(owner, id, changes, versions)))).rows[0];
  return row && toTask(row);
}

/** A write of `completed`: the task as written, and whether it was completed before this write. */
export interface CompletionWritten {
  task: Task;
  wasCompleted: boolean;
}

/** Sets `completed` and the fields `changes` names, as changeTask() does. */
export async function changeCompletion(
  db: Kysely<Database>,
  owner: Subject,
  id: string,
  completed: boolean,
  changes: FieldChanges,
  versions?: readonly number[],
): Promise<CompletionWritten | undefined> {
  const values = changeValues(owner, id, changes, versions);
  values.completed = completed;
  const row = (await db.executeQuery(changeQuery(db, values))).rows[0];
  return row && { task: toTask(row), wasCompleted: row.was_completed === true };
}

const toggleQuery = queryShape(
  (v: { owner: Subject; id: string } & Versions) => versionCount(v),
  (db, p, count) => {
    const filter = versionFilter(p, count);
    return owned(db, 'tasks', p.owner)
      .update()
      .set({
        completed: sql<boolean>`not completed`,
        completed_at: sql<Date | null>`case when completed then null else now() end`,
        updated_at: sql<Date>`now()`,
        version: nextVersion,
      })
      .where('id', '=', p.id)
      .$if(filter !== undefined, (q) => q.where(filter!))
      .returning(taskColumns)
      .$castTo<TaskRow>();
  },
  'tasks.toggle',
);

/** Flips `completed` in one statement, so concurrent toggles each flip exactly once: the task was completed iff it is not now. */
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
    return owned(db, 'tasks', p.owner)
      .delete()
      .where('id', '=', p.id)
      .$if(filter !== undefined, (q) => q.where(filter!));
  },
  'tasks.delete',
);

export async function deleteTask(db: Kysely<Database>, owner: Subject, id: string, versions?: readonly number[]): Promise<boolean> {
  const result = await db.executeQuery(deleteQuery(db, { owner, id, versions }));
  return (result.numAffectedRows ?? 0n) > 0n;
}
