// Table types, following Kysely's advice: Generated<> for database defaults, T | null for nullable columns.
import type { ColumnType, Generated } from 'kysely';

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
  /** 1 at creation, one more on every write: the ETag. */
  version: Generated<number>;
}

/** A successful request made with an Idempotency-Key, and the answer to replay. */
export interface IdempotencyKeysTable {
  user_id: string;
  key: string;
  request_fingerprint: string;
  response_status: number;
  /** JSON: written as its text, read back parsed. */
  response_body: ColumnType<unknown, string, string>;
  response_headers: ColumnType<Record<string, string>, string, string>;
  created_at: Generated<Date>;
  expires_at: Date;
}

/** Kept by the task_counts_* triggers on tasks (src/db/migrations/2026_12_01_0001_task_fields.ts). */
export interface TaskCountsTable {
  user_id: string;
  priority: TaskPriority;
  completed: boolean;
  n: string; // bigint, as pg returns it
}

/** One claimed period of a periodic job (src/jobs/periodic.ts); not user-owned. */
export interface JobRunsTable {
  job: string;
  period_start: Date;
  claimed_by: string;
  started_at: Generated<Date>;
  finished_at: Date | null;
  error: string | null;
}

export interface Database {
  users: UsersTable;
  tasks: TasksTable;
  idempotency_keys: IdempotencyKeysTable;
  task_counts: TaskCountsTable;
  job_runs: JobRunsTable;
}
