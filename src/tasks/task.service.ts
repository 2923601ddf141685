// The task service: the rules of the task operations, in the domain's terms. Handlers
// (task.handlers.ts) give it plain values (the owner, ids, bodies, the If-Match versions, an
// Idempotency-Key) and get tasks back, or a domain error (src/domain/errors.ts). It decides what a
// write that touched no row means, runs creates and completions under their Idempotency-Key and
// after recording a missing owner row, and sends every write of `completed` through
// writeCompletion(). The repositories only read and write rows.
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { Subject } from '../auth/subject.js';
import { NotFound, PreconditionFailed } from '../domain/errors.js';
import { withOwnerRow } from '../db/with-owner.js';
import { idempotent, type IdempotencyKey, type Outcome } from '../idempotency/idempotent.js';
import * as repo from './task.repository.js';
import type { Task } from './task-fields.js';
import { completionChanged } from './completion.js';
import type { ListParams } from './list-params.js';
import { listTasks as listPage, type TaskPage } from './task-list.repository.js';
import { taskStats as stats, type TaskStats } from './stats.repository.js';

export type { Task, TaskPage, TaskStats };
export type { NewTask, TaskChanges } from './task.repository.js';

export function listTasks(db: Kysely<Database>, owner: Subject, params: ListParams): Promise<TaskPage> {
  return listPage(db, owner, params);
}

export function taskStats(db: Kysely<Database>, owner: Subject): Promise<TaskStats> {
  return stats(db, owner);
}

export async function getTask(db: Kysely<Database>, owner: Subject, id: string): Promise<Task> {
  const task = await repo.findTask(db, owner, id);
  if (!task) throw new NotFound('task');
  return task;
}

export function createTask(
  db: Kysely<Database>,
  owner: Subject,
  input: repo.NewTask,
  key: IdempotencyKey<Task> | undefined,
): Promise<Outcome<Task>> {
  return withOwnerRow(db, owner, () => idempotent(db, owner, key, (db) => repo.createTask(db, owner, input)));
}

/**
 * PUT and PATCH: the fields `changes` names, only at `versions` (If-Match) when given. No field
 * named writes nothing (the task as it is, at `versions`).
 */
export async function changeTask(
  db: Kysely<Database>,
  owner: Subject,
  id: string,
  changes: repo.TaskChanges,
  versions: number[] | undefined,
): Promise<Task> {
  if (changes.completed !== undefined) {
    const write = changes as repo.FieldChanges & { completed: boolean };
    return written(db, owner, id, versions, await writeCompletion(db, owner, id, write, versions));
  }
  if (!namesAField(changes)) {
    const task = await repo.findTask(db, owner, id);
    return written(db, owner, id, versions, task && (versions === undefined || versions.includes(task.version)) ? task : undefined);
  }
  return written(db, owner, id, versions, await repo.changeTask(db, owner, id, changes, versions));
}

/** /complete: sets `completed` when given, else flips it; under the request's Idempotency-Key. */
export function completeTask(
  db: Kysely<Database>,
  owner: Subject,
  id: string,
  completed: boolean | undefined,
  versions: number[] | undefined,
  key: IdempotencyKey<Task> | undefined,
): Promise<Outcome<Task>> {
  return withOwnerRow(db, owner, () =>
    idempotent(db, owner, key, async (db) =>
      written(db, owner, id, versions, await writeCompletion(db, owner, id, completed === undefined ? 'toggle' : { completed }, versions)),
    ),
  );
}

export async function deleteTask(db: Kysely<Database>, owner: Subject, id: string, versions: number[] | undefined): Promise<void> {
  if (!(await repo.deleteTask(db, owner, id, versions))) throw await notWritten(db, owner, id, versions);
}

/**
 * Every write of `completed` goes through here: the toggle, or `completed` set (with the other
 * fields `write` names). When the write changed whether the task is completed, completionChanged()
 * follows (completion.ts).
 */
async function writeCompletion(
  db: Kysely<Database>,
  owner: Subject,
  id: string,
  write: 'toggle' | (repo.FieldChanges & { completed: boolean }),
  versions: number[] | undefined,
): Promise<Task | undefined> {
  let task: Task | undefined;
  let changed: boolean;
  if (write === 'toggle') {
    task = await repo.toggleTask(db, owner, id, versions);
    changed = true;
  } else {
    const result = await repo.changeCompletion(db, owner, id, write.completed, write, versions);
    task = result?.task;
    changed = result !== undefined && result.wasCompleted !== result.task.completed;
  }
  if (task && changed) await completionChanged(db, owner, task);
  return task;
}

function namesAField(changes: repo.TaskChanges): boolean {
  for (const key in changes) if ((changes as Record<string, unknown>)[key] !== undefined) return true;
  return false;
}

/** The task a write left, or why the write touched no row. */
async function written(
  db: Kysely<Database>,
  owner: Subject,
  id: string,
  versions: number[] | undefined,
  task: Task | undefined,
): Promise<Task> {
  if (task) return task;
  throw await notWritten(db, owner, id, versions);
}

/** Why a conditional (or plain) write touched no row: the caller's task exists at another version, or it does not exist. */
async function notWritten(db: Kysely<Database>, owner: Subject, id: string, versions: number[] | undefined): Promise<Error> {
  if (versions === undefined) return new NotFound('task');
  const current = await repo.findTask(db, owner, id);
  return current ? new PreconditionFailed(current.version) : new NotFound('task');
}
