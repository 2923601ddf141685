// The only place that builds queries on a user-owned table. OWNED_TABLES lists every table of
// schema.ts with the column that holds its owner (the compiler refuses a table missing from it);
// owned() gives a table's builders already filtered by that column (inserts stamped with it), so
// a caller cannot forget the owner, and another owner's row is simply not found. ESLint forbids
// selectFrom/updateTable/deleteFrom/insertInto on a named table anywhere else (eslint.config.js),
// and test/tasks/owner-filter.test.ts checks every compiled query shape against this list.
//
// Work that is no one user's (a background sweep) goes through acrossOwners(), which admits only
// the tables ACROSS_OWNERS lists, each with the reason it may read every owner's rows. Tables that
// hold no user's data at all are listed in SYSTEM_TABLES, with what they hold, and named in SQL
// through systemTable().
import {
  sql,
  type DeleteQueryBuilder,
  type DeleteResult,
  type InsertObject,
  type InsertQueryBuilder,
  type InsertResult,
  type QueryCreator,
  type SelectQueryBuilder,
  type UpdateQueryBuilder,
  type UpdateResult,
} from 'kysely';
import type { Database } from './schema.js';
import type { Subject } from '../auth/subject.js';

export const SYSTEM_TABLES = {
  job_runs: 'the claims of periodic jobs (src/jobs/periodic.ts): which process ran which period, no user data',
} as const satisfies { [T in keyof Database]?: string };

type UserTable = Exclude<keyof Database, keyof typeof SYSTEM_TABLES>;

export const OWNED_TABLES = {
  users: 'id',
  tasks: 'user_id',
  task_counts: 'user_id',
  idempotency_keys: 'user_id',
} as const satisfies { [T in UserTable]: keyof Database[T] & string };

export const ACROSS_OWNERS = {
  idempotency_keys: 'the sweep deletes expired keys of every user (src/jobs/idempotency-sweep.ts)',
} as const satisfies { [T in keyof Database]?: string };

export type OwnedTable = keyof typeof OWNED_TABLES;
export type OwnerColumn<T extends OwnedTable> = (typeof OWNED_TABLES)[T];

// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- Kysely's type of a select with no columns yet
type NoColumns = {};

export interface OwnedQueries<DB extends Database, T extends OwnedTable> {
  select(): SelectQueryBuilder<DB, T, NoColumns>;
  update(): UpdateQueryBuilder<DB, T, T, UpdateResult>;
  delete(): DeleteQueryBuilder<DB, T, DeleteResult>;
  insert(values: Omit<InsertObject<DB, T>, OwnerColumn<T>>): InsertQueryBuilder<DB, T, InsertResult>;
}

/**
 * The owner's rows of `table`. `db` may be a transaction or a query creator that holds a CTE
 * (`db.with(…)`); the owner is one parameter of each builder's first WHERE condition.
 */
export function owned<DB extends Database, T extends OwnedTable>(db: QueryCreator<DB>, table: T, owner: Subject): OwnedQueries<DB, T> {
  const q = db as unknown as QueryCreator<Database>;
  const name = table as OwnedTable as 'tasks';
  const column = sql.ref(`${table}.${OWNED_TABLES[table]}`);
  return {
    select: () => q.selectFrom(name).where(column, '=', owner),
    update: () => q.updateTable(name).where(column, '=', owner),
    delete: () => q.deleteFrom(name).where(column, '=', owner),
    insert: (values: object) =>
      q.insertInto(name).values({ ...values, [OWNED_TABLES[table]]: owner } as unknown as InsertObject<Database, 'tasks'>),
  } as unknown as OwnedQueries<DB, T>;
}

/** Every owner's rows of one of the tables ACROSS_OWNERS lists (background work only). */
export function acrossOwners<T extends keyof typeof ACROSS_OWNERS>(db: QueryCreator<Database>, table: T) {
  return {
    select: () => db.selectFrom(table),
    delete: () => db.deleteFrom(table),
  };
}

/** A table of SYSTEM_TABLES, to name in raw SQL (`insert into ${systemTable('job_runs')} …`). */
export function systemTable(table: keyof typeof SYSTEM_TABLES) {
  return sql.table(table);
}
