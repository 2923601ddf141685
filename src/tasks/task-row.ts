// The columns a task query reads, and the one function that turns such a row into the API's task.
// Timestamps are read as PostgreSQL's text (`created_at::text`) and rewritten into the contract's
// RFC 3339 form by isoFromTimestamptzText(): no JavaScript Date is made for them (a list page has
// 2–4 per task, each parsed into a Date by pg and then formatted again by toISOString()).
import { sql } from 'kysely';
import type { components } from '../../generated/openapi.js';
import type { TaskPriority } from '../db/schema.js';
import { isoFromTimestamptzText } from '../db/timestamps.js';

type Task = components['schemas']['Task'];

const asText = <C extends 'created_at' | 'updated_at'>(column: C) => sql<string>`${sql.ref(column)}::text`.as(column);
const asNullableText = <C extends 'due_at' | 'completed_at'>(column: C) => sql<string | null>`${sql.ref(column)}::text`.as(column);

/** What select() and returning() read for a task. */
export const taskColumns = [
  'id',
  'user_id',
  'title',
  'description',
  'completed',
  'priority',
  asNullableText('due_at'),
  'tags',
  asNullableText('completed_at'),
  asText('created_at'),
  asText('updated_at'),
  'version',
] as const;

/** A row as taskColumns reads it. */
export interface TaskTextRow {
  id: string;
  user_id: string;
  title: string;
  description: string | null;
  completed: boolean;
  priority: TaskPriority;
  due_at: string | null;
  tags: string[];
  completed_at: string | null;
  created_at: string;
  updated_at: string;
  version: number;
}

export function toTask(row: TaskTextRow): Task {
  return {
    id: row.id,
    user_id: row.user_id,
    title: row.title,
    description: row.description,
    completed: row.completed,
    priority: row.priority,
    due_at: row.due_at === null ? null : isoFromTimestamptzText(row.due_at),
    tags: row.tags,
    completed_at: row.completed_at === null ? null : isoFromTimestamptzText(row.completed_at),
    created_at: isoFromTimestamptzText(row.created_at),
    updated_at: isoFromTimestamptzText(row.updated_at),
    version: row.version,
  };
}
