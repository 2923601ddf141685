// Table types, following Kysely's advice: Generated<> for database defaults, T | null for nullable columns.
import type { Generated, Insertable, Selectable, Updateable } from 'kysely';

export interface UsersTable {
  id: string;
  email: string | null;
  created_at: Generated<Date>;
}

export type TaskPriority = 'low' | 'medium' | 'high';

export interface TasksTable {
  id: Generated<string>;
  user_id: string;
  title: string;
  description: string | null;
  completed: Generated<boolean>;
  priority: Generated<TaskPriority>;
  due_at: Date | null;
  tags: Generated<string[]>;
  completed_at: Date | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface Database {
  users: UsersTable;
  tasks: TasksTable;
}

export type TaskRow = Selectable<TasksTable>;
export type NewTaskRow = Insertable<TasksTable>;
export type TaskRowUpdate = Updateable<TasksTable>;
