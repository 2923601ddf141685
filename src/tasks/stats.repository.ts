// The stats operation: counts of the owner's tasks, in time independent of the account's size for
// all but overdue: the counts per (priority, completed) are the at most six rows of task_counts,
// which a trigger on tasks keeps (src/db/migrations/2026_12_01_0001_task_fields.ts); overdue (it
// changes with the clock, so no trigger can keep it) counts the partial index
// tasks_user_id_overdue_idx, which holds only pending tasks with a due date.
import { sql, type Kysely } from 'kysely';
import type { components } from '../../generated/openapi.js';
import type { Database } from '../db/schema.js';
import type { Subject } from '../auth/subject.js';
import { ownedTasks } from './owned-tasks.js';

export type TaskStats = components['schemas']['TaskStats'];

export async function taskStats(db: Kysely<Database>, owner: Subject): Promise<TaskStats> {
  const [groups, overdue] = await Promise.all([statsQuery(db, owner).execute(), overdueQuery(db, owner).executeTakeFirstOrThrow()]);
  const stats: TaskStats = { total: 0, completed: 0, pending: 0, overdue: overdue.n, by_priority: { low: 0, medium: 0, high: 0 } };
  for (const { priority, completed, n } of groups) {
    stats.total += n;
    stats[completed ? 'completed' : 'pending'] += n;
    stats.by_priority[priority] += n;
  }
  return stats;
}

/** Tasks per priority and completion, as the trigger keeps them (owner-filtered here: the one query on task_counts). */
export function statsQuery(db: Kysely<Database>, owner: Subject) {
  return db
    .selectFrom('task_counts')
    .where('user_id', '=', owner)
    .select(['priority', 'completed', sql<number>`n::int`.as('n')]);
}

/** Tasks due before now and not completed. */
export function overdueQuery(db: Kysely<Database>, owner: Subject) {
  return ownedTasks(db, owner)
    .select()
    .select(sql<number>`count(*)::int`.as('n'))
    .where('completed', '=', false)
    .where(sql<boolean>`due_at is not null and due_at < now()`);
}
