// The stats operation: counts of the owner's tasks, in one pass over the owner's rows (an
// index-only scan of tasks_user_id_priority_idx, which carries completed and due_at).
import { sql, type Kysely } from 'kysely';
import type { components } from '../../generated/openapi.js';
import type { Database } from '../db/schema.js';
import type { Subject } from '../auth/subject.js';
import { ownedTasks } from './owned-tasks.js';

export type TaskStats = components['schemas']['TaskStats'];

export async function taskStats(db: Kysely<Database>, owner: Subject): Promise<TaskStats> {
  const row = await statsQuery(db, owner).executeTakeFirstOrThrow();
  return {
    total: row.total,
    completed: row.completed,
    pending: row.total - row.completed,
    overdue: row.overdue,
    by_priority: { low: row.low, medium: row.medium, high: row.high },
  };
}

export function statsQuery(db: Kysely<Database>, owner: Subject) {
  const count = (condition: ReturnType<typeof sql<boolean>>) => sql<number>`count(*) filter (where ${condition})::int`;
  return ownedTasks(db, owner)
    .select()
    .select([
      sql<number>`count(*)::int`.as('total'),
      count(sql`completed`).as('completed'),
      count(sql`not completed and due_at < now()`).as('overdue'),
      count(sql`priority = 'low'`).as('low'),
      count(sql`priority = 'medium'`).as('medium'),
      count(sql`priority = 'high'`).as('high'),
    ]);
}
