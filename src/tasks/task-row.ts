// The columns a task query reads, and the one function that turns such a row into the API's task.
// Timestamps are read as PostgreSQL's text (`created_at::text as created_at_text`) and rewritten
// into the contract's RFC 3339 form by isoFromTimestamptzText(): no JavaScript Date is made for
// them (a list page has 2–4 per task, each parsed into a Date by pg, then formatted again).
import { sql } from 'kysely';
import type { components } from '../../generated/openapi.js';
import type { TaskPriority } from '../db/schema.js';
import { isoFromTimestamptzText } from '../db/timestamps.js';

type Task = components['schemas']['Task'];

// Aliased under other names than the columns': an ORDER BY on a bare name prefers an output column of
// that name, so `created_at::text as created_at` would turn `order by created_at` into a sort by
// text, which no index serves (test/db/list-plans.test.ts catches it).
const asText = <C extends 'created_at' | 'updated_at'>(column: C) => sql<string>`${sql.ref(column)}::text`.as(`${column}_text`);
const asNullableText = <C extends 'due_at' | 'completed_at'>(column: C) =>
  sql<string | null>`${sql.ref(column)}::text`.as(`${column}_text`);

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
  due_at_text: string | null;
  tags: string[];
  completed_at_text: string | null;
  created_at_text: string;
  updated_at_text: string;
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
    due_at: row.due_at_text === null ? null : isoFromTimestamptzText(row.due_at_text),
    tags: row.tags,
    completed_at: row.completed_at_text === null ? null : isoFromTimestamptzText(row.completed_at_text),
    created_at: isoFromTimestamptzText(row.created_at_text),
    updated_at: isoFromTimestamptzText(row.updated_at_text),
    version: row.version,
  };
}
