// The SQL the bare ceiling server (ceiling-server.ts) sends: the app's own compiled queries, taken
// from the repositories' query shapes, and the app's own row mapping. This is the only bench file
// that knows how src/tasks builds its queries; test/db/bench-sql.test.ts fails when it and the
// app disagree (a text the app does not send, or an answer the app does not give).
import { DummyDriver, Kysely, PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler, type CompiledQuery } from 'kysely';
import { subjectFromVerifiedToken } from '../../src/auth/subject.js';
import type { Database } from '../../src/db/schema.js';
import { queryShapes, type QueryShape } from '../../src/db/query-shapes.js';
import { listQuery } from '../../src/tasks/task-list.repository.js';
import { bindWritten, toTask, type TaskRow } from '../../src/tasks/task-fields.js';
import '../../src/tasks/task.repository.js'; // registers the tasks.* shapes

export interface Statement {
  readonly sql: string;
  readonly parameters: readonly unknown[];
}

/** Compiles PostgreSQL's SQL without a connection (compiling never touches the database). */
const compiler = new Kysely<Database>({
  dialect: {
    createAdapter: () => new PostgresAdapter(),
    createDriver: () => new DummyDriver(),
    createIntrospector: (db) => new PostgresIntrospector(db),
    createQueryCompiler: () => new PostgresQueryCompiler(),
  },
});

/** The app's query shape of that name (src/db/query-shapes.ts registers each one). */
export function shapeNamed(name: string): QueryShape<Record<string, unknown>, unknown> {
  const shape = queryShapes().find((s) => s.shapeName === name);
  if (!shape) throw new Error(`the app has no query shape named ${name}`);
  return shape as unknown as QueryShape<Record<string, unknown>, unknown>;
}

const owner = subjectFromVerifiedToken;
const statement = (q: CompiledQuery): Statement => ({ sql: q.sql, parameters: q.parameters });
/** A write's values as the repository binds them: the body's fields by name, and their bitmask. */
const written = (values: Record<string, unknown>, body: Record<string, unknown>) => {
  values.fields = bindWritten(body, values);
  return values;
};

/** GET /api/tasks with the contract's defaults: the first page of 100 (101 rows are read: one tells whether more follow). */
export const LIST_LIMIT = 100;
export const listSql = (user: string): Statement =>
  statement(listQuery(compiler, owner(user), { status: 'all', sort: 'created_at', order: 'asc', limit: LIST_LIMIT, overdue: false }));

/** GET /api/tasks/{id}. */
export const getSql = (user: string, id: string): Statement => statement(shapeNamed('tasks.find')(compiler, { owner: owner(user), id }));

/** POST /api/tasks with a title and an optional description (what the bench's plans send). */
export const createSql = (user: string, body: { title: string; description?: string | null }): Statement =>
  statement(shapeNamed('tasks.insert')(compiler, written({ owner: owner(user), completed: false }, body)));

/** PATCH /api/tasks/{id} with a new title. */
export const renameSql = (user: string, id: string, title: string): Statement =>
  statement(shapeNamed('tasks.change')(compiler, written({ owner: owner(user), id }, { title })));

/** PATCH /api/tasks/{id}/complete. */
export const toggleSql = (user: string, id: string): Statement =>
  statement(shapeNamed('tasks.toggle')(compiler, { owner: owner(user), id }));

/** A row these statements read, as the API answers it. */
export const taskOf = (row: unknown) => toTask(row as TaskRow);
