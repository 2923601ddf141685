// The database's side of growth (scripts/bench/growth.ts): the list and get queries as the
// repository sends them (listQuery, the get by id and owner), under EXPLAIN (ANALYZE, BUFFERS), for
// sampled users of one database: the plan's shape, its execution time, and the buffers it touched
// (hit in shared_buffers, or read from the OS: on a table far bigger than shared_buffers the reads
// are what growth costs). Noise-free where wall-clock figures on a shared machine are not.
import { Kysely, PostgresDialect, type Compilable, type CompiledQuery } from 'kysely';
import pg from 'pg';
import { subjectFromVerifiedToken } from '../../src/auth/subject.js';
import type { Database } from '../../src/db/schema.js';
import { listQuery } from '../../src/tasks/task-list.repository.js';
import { owned } from '../../src/db/owned.js';
import { median } from './shared.js';
import { urlOf } from './growth-seed.js';

interface Node {
  'Node Type': string;
  'Index Name'?: string;
  'Shared Hit Blocks': number;
  'Shared Read Blocks': number;
  Plans?: Node[];
}
export interface PlanFigures {
  shape: string;
  executionMs: number;
  hit: number;
  read: number;
}

const shapeOf = (n: Node): string =>
  [`${n['Node Type']}${n['Index Name'] ? ` on ${n['Index Name']}` : ''}`, ...(n.Plans ?? []).map(shapeOf)].join(' > ');

async function explain(
  db: Kysely<Database>,
  query: Compilable | CompiledQuery,
): Promise<{ shape: string; ms: number; hit: number; read: number }> {
  const compiled = 'compile' in query ? query.compile() : query;
  const result = await db.executeQuery<{ 'QUERY PLAN': [{ Plan: Node; 'Execution Time': number }] }>({
    ...compiled,
    sql: `explain (analyze, buffers, format json) ${compiled.sql}`,
  });
  const [top] = result.rows[0]!['QUERY PLAN'];
  return { shape: shapeOf(top.Plan), ms: top['Execution Time'], hit: top.Plan['Shared Hit Blocks'], read: top.Plan['Shared Read Blocks'] };
}

/** Medians over `users` (each with its task ids) of the default list page and a get, as the API runs them. */
export async function planFigures(
  name: string,
  users: { id: string; taskIds: string[] }[],
): Promise<{ list: PlanFigures; get: PlanFigures }> {
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: urlOf(name), max: 1 }) }) });
  try {
    const samples = { list: [] as Awaited<ReturnType<typeof explain>>[], get: [] as Awaited<ReturnType<typeof explain>>[] };
    for (const [i, user] of users.entries()) {
      const owner = subjectFromVerifiedToken(user.id);
      samples.list.push(
        await explain(db, listQuery(db, owner, { status: 'all', sort: 'created_at', order: 'asc', limit: 100, overdue: false })),
      );
      samples.get.push(
        await explain(
          db,
          owned(db, 'tasks', owner)
            .select()
            .selectAll()
            .where('id', '=', user.taskIds[i % user.taskIds.length]!),
        ),
      );
    }
    const figures = (xs: typeof samples.list): PlanFigures => ({
      shape: xs[0]!.shape,
      executionMs: median(xs.map((x) => x.ms)),
      hit: median(xs.map((x) => x.hit)),
      read: median(xs.map((x) => x.read)),
    });
    return { list: figures(samples.list), get: figures(samples.get) };
  } finally {
    await db.destroy();
  }
}
