// What happens when a write changes whether a task is completed: the one place for it. Every write
// of `completed` (the toggle, /complete with a body, PUT and PATCH naming it) goes through the
// service's writeCompletion() (task.service.ts), which calls completionChanged() when, and only
// when, this write changed it: two writes of `completed: true` make one change, and concurrent
// toggles each make theirs. It runs on the database the write ran on, which is the write's
// transaction under an Idempotency-Key; a step added here that writes as well needs
// writeCompletion() to open a transaction of its own. Creating a task (completed or not) is not a change.
//
// Observers (observeCompletions(): tests) are told of every change; they are the only step here.
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { Subject } from '../auth/subject.js';
import type { Task } from './task-fields.js';

export interface CompletionChange {
  owner: Subject;
  /** The task as this write left it: `completed` says which way it changed. */
  task: Task;
}

type Observer = (change: CompletionChange) => void;
const observers = new Set<Observer>();

/** Calls `observer` on every completion change until the returned function is called. */
export function observeCompletions(observer: Observer): () => void {
  observers.add(observer);
  return () => observers.delete(observer);
}

export async function completionChanged(_db: Kysely<Database>, owner: Subject, task: Task): Promise<void> {
  if (observers.size === 0) return;
  for (const observer of observers) observer({ owner, task });
}
