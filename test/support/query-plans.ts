// EXPLAIN (FORMAT JSON) of a query the repository builds, for the tests that check which indexes
// PostgreSQL (or PGlite, the same planner) uses.
import type { Compilable, CompiledQuery, Kysely } from 'kysely';

export interface PlanNode {
  'Node Type': string;
  'Index Name'?: string;
  'Index Cond'?: string;
  'Relation Name'?: string;
  Plans?: PlanNode[];
}

export async function planOf<DB>(db: Kysely<DB>, query: Compilable | CompiledQuery): Promise<PlanNode> {
  const compiled = 'compile' in query ? query.compile() : query;
  const result = await db.executeQuery<{ 'QUERY PLAN': [{ Plan: PlanNode }] | string }>({
    ...compiled,
    sql: `explain (format json) ${compiled.sql}`,
  });
  const raw = result.rows[0]!['QUERY PLAN'];
  return (typeof raw === 'string' ? (JSON.parse(raw) as [{ Plan: PlanNode }]) : raw)[0].Plan;
}

/** The node and every node under it. */
export const planNodes = (node: PlanNode): PlanNode[] => [node, ...(node.Plans ?? []).flatMap(planNodes)];

/** One line for a test message: each node, its index and index condition. */
export const describePlan = (node: PlanNode): string =>
  planNodes(node)
    .map((n) => `${n['Node Type']}${n['Index Name'] ? ` on ${n['Index Name']}` : ''}${n['Index Cond'] ? ` [${n['Index Cond']}]` : ''}`)
    .join(' > ');
