// The only place that builds queries on the tasks table. Every builder here is already
// filtered by (or, for inserts, stamped with) the owner, so a caller cannot forget it.
// ESLint forbids naming the tasks table anywhere else.
import type { Insertable, Kysely } from 'kysely';
import type { Database, TasksTable } from '../db/schema.js';
import type { Subject } from '../auth/subject.js';

export function ownedTasks(db: Kysely<Database>, owner: Subject) {
  return {
    select: () => db.selectFrom('tasks').where('tasks.user_id', '=', owner),
    update: () => db.updateTable('tasks').where('tasks.user_id', '=', owner),
    delete: () => db.deleteFrom('tasks').where('tasks.user_id', '=', owner),
    insert: (values: Omit<Insertable<TasksTable>, 'user_id'>) => db.insertInto('tasks').values({ ...values, user_id: owner }),
  };
}
