// The stats operation: counts of the owner's tasks, in time independent of the account's size for
// all but overdue: the counts per (priority, completed) are the at most six rows of task_counts,
// which a trigger on tasks keeps (src/db/migrations/2026_12_01_0001_task_fields.ts); overdue (it
// changes with the clock, so no trigger can keep it) counts the partial index
// tasks_user_id_overdue_idx, which holds only pending tasks with a due date.
import { sql, type Kysely } from 'kysely';
import type { components } from '../../generated/openapi.js';
import type { Database } from '../db/schema.js';
import type { Subject } from '../auth/subject.js';
import { owned } from '../db/owned.js';
import { oneShape, queryShape } from '../db/query-shapes.js';

export type TaskStats = components['schemas']['TaskStats'];

export async function taskStats(db: Kysely<Database>, owner: Subject): Promise<TaskStats> {
  const [{ rows: groups }, { rows: overdue }] = await Promise.all([
    db.executeQuery(statsQuery(db, owner)),
    db.executeQuery(overdueQuery(db, owner)),
  ]);
  const stats: TaskStats = { total: 0, completed: 0, pending: 0, overdue: overdue[0]!.n, by_priority: { low: 0, medium: 0, high: 0 } };
  for (const { priority, completed, n } of groups) {
    stats.total += n;
    stats[completed ? 'completed' : 'pending'] += n;
    stats.by_priority[priority] += n;
  }
  return stats;
}

const countsQuery = queryShape(
  oneShape<{ owner: Subject }>(),
  (db, p) =>
    owned(db, 'task_counts', p.owner)
      .select()
      .select(['priority', 'completed', sql<number>`n::int`.as('n')]),
  'task_counts.by_priority',
);

const overdueCountQuery = queryShape(
  oneShape<{ owner: Subject }>(),
  (db, p) =>
    owned(db, 'tasks', p.owner)
      .select()
      .select(sql<number>`count(*)::int`.as('n'))
      .where('completed', '=', false)
      .where(sql<boolean>`due_at is not null and due_at < now()`),
  'tasks.overdue_count',
);

/** Tasks per priority and completion, as the trigger keeps them. */
export const statsQuery = (db: Kysely<Database>, owner: Subject) => countsQuery(db, { owner });

/** Tasks due before now and not completed. */
export const overdueQuery = (db: Kysely<Database>, owner: Subject) => overdueCountQuery(db, { owner });
