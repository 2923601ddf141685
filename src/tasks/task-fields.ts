// The task's fields, declared once: one entry per column of `tasks` that the API shows. From this
// table come what select() and returning() read (taskColumns), the row → API mapping (toTask),
// and which fields create, PUT and PATCH write and how (task.repository.ts). Adding a column to
// the API is an entry here, beside openapi.yaml and a migration.
//
// The API name is the column's name. Timestamps are read as PostgreSQL's text
// (`due_at::text as due_at_text`) and rewritten into the contract's RFC 3339 form by
// isoFromTimestamptzText(): no JavaScript Date is made for them (a list page has 2–4 per task,
// each otherwise parsed into a Date by pg, then formatted again). They are aliased under other
// names than the columns': an ORDER BY on a bare name prefers an output column of that name, so
// `created_at::text as created_at` would turn `order by created_at` into a sort by text, which no
// index serves (test/db/list-plans.test.ts catches it).
import { DynamicModule, sql, type RawBuilder } from 'kysely';
import type { components } from '../../generated/openapi.js';
import { isoFromTimestamptzText } from '../db/timestamps.js';
import { normalizeTags } from './tags.js';

export type Task = components['schemas']['Task'];

interface Field<V> {
  /** 'value': the column as pg returns it; 'timestamp': a timestamptz, read as text (see above). */
  read: 'value' | 'timestamp';
  /**
   * Written by the client on create, PUT and PATCH (openapi.yaml: TaskCreate, TaskReplace,
   * TaskPatch): absent keeps the column's value (its default on create), null clears a nullable
   * one. `bind` makes the API value the bound one (default: as is); `sql` wraps its placeholder
   * (default: the placeholder itself). `completed` is not listed: the completion statements of
   * task.repository.ts write it, with completed_at.
   */
  write?: { bind?: (value: NonNullable<V>) => unknown; sql?: (placeholder: unknown) => RawBuilder<unknown> };
}

/**
 * A date-time from the contract as PostgreSQL parses it (any RFC 3339 offset; returned in UTC),
 * not through a JavaScript Date, which would lose microseconds and refuse some valid forms.
 */
const timestamptz = (placeholder: unknown) => sql`${placeholder}::timestamptz`;

/** In the order select() reads them. */
const TASK_FIELDS = {
  id: { read: 'value' },
  user_id: { read: 'value' },
  title: { read: 'value', write: {} },
  description: { read: 'value', write: {} },
  completed: { read: 'value' },
  priority: { read: 'value', write: {} },
  due_at: { read: 'timestamp', write: { sql: timestamptz } },
  tags: { read: 'value', write: { bind: normalizeTags } },
  completed_at: { read: 'timestamp' },
  created_at: { read: 'timestamp' },
  updated_at: { read: 'timestamp' },
  version: { read: 'value' },
} as const satisfies { [K in keyof Task]-?: Field<Task[K]> };

type Fields = typeof TASK_FIELDS;
type TimestampField = { [K in keyof Fields]: Fields[K]['read'] extends 'timestamp' ? K : never }[keyof Fields];

/** A row as taskColumns reads it. */
export type TaskRow = { [K in Exclude<keyof Fields, TimestampField>]: Task[K] } & {
  [K in TimestampField as `${K}_text`]: Extract<Task[K], null> | string;
};

/** The fields the client writes, in TASK_FIELDS order; a write's shape names them by their index here. */
export type WritableField = { [K in keyof Fields]: Fields[K] extends { write: object } ? K : never }[keyof Fields];
const WRITABLE_FIELDS = Object.entries(TASK_FIELDS).flatMap(([name, field]) =>
  'write' in field ? [{ name: name as WritableField, ...(field.write as Field<unknown>['write']) }] : [],
);

const dynamic = new DynamicModule();

/** What select() and returning() read for a task. */
export const taskColumns = Object.entries(TASK_FIELDS).map(([name, field]) =>
  field.read === 'timestamp' ? sql<string | null>`${sql.ref(name)}::text`.as(`${name}_text`) : dynamic.ref(name),
);

/**
 * The one function that turns a task row into the API's task. It is generated from TASK_FIELDS as
 * a single object literal (the names are the table's own, JSON-quoted): a loop over the fields
 * took twice as long per row, and a list page maps up to 100 rows.
 */
export const toTask = new Function(
  'iso',
  `return function toTask(row) { return { ${Object.entries(TASK_FIELDS)
    .map(([name, field]) => {
      const column = JSON.stringify(field.read === 'timestamp' ? `${name}_text` : name);
      const value = field.read === 'timestamp' ? `row[${column}] === null ? null : iso(row[${column}])` : `row[${column}]`;
      return `${JSON.stringify(name)}: ${value}`;
    })
    .join(', ')} }; };`,
)(isoFromTimestamptzText) as (row: TaskRow) => Task;

/**
 * The written fields of `input` (a create, PUT or PATCH body) as bound values, put into `into`
 * under their names: the bitmask of those present (bit i: WRITABLE_FIELDS[i]).
 */
export function bindWritten(input: Readonly<Partial<Record<WritableField, unknown>>>, into: Record<string, unknown>): number {
  let present = 0;
  for (let i = 0; i < WRITABLE_FIELDS.length; i++) {
    const field = WRITABLE_FIELDS[i]!;
    const value = input[field.name];
    if (value === undefined) continue;
    present |= 1 << i;
    into[field.name] = field.bind && value !== null ? field.bind(value as never) : value;
  }
  return present;
}

/** The SET (or insert) columns of the fields `present` names, on placeholders. */
export function writtenColumns(p: Readonly<Record<string, unknown>>, present: number): Record<string, unknown> {
  const columns: Record<string, unknown> = {};
  for (let i = 0; i < WRITABLE_FIELDS.length; i++) {
    if ((present & (1 << i)) === 0) continue;
    const field = WRITABLE_FIELDS[i]!;
    columns[field.name] = field.sql ? field.sql(p[field.name]) : p[field.name];
  }
  return columns;
}
