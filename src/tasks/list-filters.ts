// The list's filters, declared once: one entry per query parameter of listTasks that selects tasks
// (openapi.yaml; sort and order are list-order.ts). Each entry says
//   bind      the values its SQL binds, put on the query's values under names that start with its
//             parameter's (so no two filters share one);
//   shape     what of those values its SQL text depends on (part of the query's shape,
//             src/db/query-shapes.ts): whether it is given, how many items;
//   apply     its condition, on placeholders, added to a query that owned() has already filtered
//             by the owner;
//   canonical its form in the cursor's binding (cursor.ts): equal for values that select the same
//             tasks. A filter declared after cursors were issued returns undefined when absent and
//             a value tagged with its name when given, so those cursors keep working;
//   query     its form in the next page's query string (the Link header).
// The compiler refuses a filter parameter of the contract that has no entry here.
import { sql, type SelectQueryBuilder } from 'kysely';
import type { Database, TaskPriority } from '../db/schema.js';
import type { Placeholders } from '../db/query-shapes.js';
import type { ListFilters } from './list-params.js';
import { normalizeTags } from './tags.js';

export type FilterParam = Exclude<keyof ListFilters, 'sort' | 'order'>;
type TaskQuery<O> = SelectQueryBuilder<Database, 'tasks', O>;

export interface ListFilter<P extends FilterParam, V extends object, S> {
  readonly param: P;
  readonly bind: (value: ListFilters[P], into: V) => void;
  readonly shape: (values: V) => S;
  readonly apply: <O>(query: TaskQuery<O>, p: Placeholders<V>, shape: S) => TaskQuery<O>;
  readonly canonical: (value: ListFilters[P]) => unknown;
  readonly query: (value: ListFilters[P], next: URLSearchParams) => void;
}

const filter = <P extends FilterParam, V extends object, S>(spec: ListFilter<P, V, S>) => spec;

/** An instant compared as one, whatever its offset; a value Date cannot read stays as written. */
function instant(value: string | undefined): string | number | null {
  if (value === undefined) return null;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? value : ms;
}

/** `%`, `_` and the escape character itself match themselves (LIKE's default escape is `\`). */
const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

/** In the order their conditions are written and their canonical forms listed. */
const LIST_FILTERS = [
  filter({
    param: 'status',
    bind: (status, into: { status: ListFilters['status'] }) => (into.status = status),
    shape: (v) => v.status,
    apply: (q, _, status) => (status === 'all' ? q : q.where('completed', '=', status === 'completed')),
    canonical: (status) => status,
    query: (status, next) => status !== 'all' && next.set('status', status),
  }),
  filter({
    param: 'priority',
    bind: (priority, into: { priority?: TaskPriority[] | undefined }) => (into.priority = priority && [...new Set(priority)]),
    shape: (v) => (v.priority === undefined ? null : v.priority.length),
    apply: (q, p, n) => (n === null ? q : q.where('priority', 'in', p.items('priority', n))),
    canonical: (priority) => (priority ? [...new Set(priority)].sort() : null),
    query: (priority, next) => priority && next.set('priority', priority.join(',')),
  }),
  filter({
    param: 'tag',
    bind: (tag, into: { tag?: string[] | undefined }) => (into.tag = tag && normalizeTags(tag)),
    shape: (v) => v.tag !== undefined,
    apply: (q, p, given) => (given ? q.where(sql<boolean>`tags @> ${sql.val(p.tag)}::text[]`) : q),
    canonical: (tag) => (tag ? normalizeTags(tag) : null),
    query: (tag, next) => {
      for (const one of tag ?? []) next.append('tag', one);
    },
  }),
  filter({
    param: 'q',
    // The ILIKE pattern of `q`; for one or two characters also that of its tripled form (every
    // character three times): they have no trigram, so the index of the tripled texts narrows and
    // the ILIKE rechecks (src/db/migrations/2026_12_02_0001_short_search.ts).
    bind: (q, into: { q?: string | undefined; q_tripled?: string | undefined }) => {
      into.q = q === undefined ? undefined : `%${escapeLike(q)}%`;
      into.q_tripled = q === undefined || [...q].length >= 3 ? undefined : `%${escapeLike([...q].map((c) => c.repeat(3)).join(''))}%`;
    },
    shape: (v) => (v.q === undefined ? null : v.q_tripled === undefined ? 'long' : 'short'),
    apply: (q, p, form) => {
      if (form === null) return q;
      const matched = q.where(sql<boolean>`(title ilike ${p.q} or description ilike ${p.q})`);
      if (form === 'long') return matched;
      return matched.where(sql<boolean>`(task_tripled(title) ilike ${p.q_tripled} or task_tripled(description) ilike ${p.q_tripled})`);
    },
    canonical: (q) => q ?? null,
    query: (q, next) => q !== undefined && next.set('q', q),
  }),
  filter({
    param: 'due_before',
    bind: (due_before, into: { due_before?: string | undefined }) => (into.due_before = due_before),
    shape: (v) => v.due_before !== undefined,
    apply: (q, p, given) => (given ? q.where(sql<boolean>`due_at < ${p.due_before}::timestamptz`) : q),
    canonical: instant,
    query: (due_before, next) => due_before !== undefined && next.set('due_before', due_before),
  }),
  filter({
    param: 'due_after',
    bind: (due_after, into: { due_after?: string | undefined }) => (into.due_after = due_after),
    shape: (v) => v.due_after !== undefined,
    apply: (q, p, given) => (given ? q.where(sql<boolean>`due_at > ${p.due_after}::timestamptz`) : q),
    canonical: instant,
    query: (due_after, next) => due_after !== undefined && next.set('due_after', due_after),
  }),
  filter({
    param: 'overdue',
    bind: (overdue, into: { overdue: boolean }) => (into.overdue = overdue),
    shape: (v) => v.overdue,
    apply: (q, _, overdue) => (overdue ? q.where(sql<boolean>`not completed and due_at < now()`) : q),
    canonical: (overdue) => overdue,
    query: (overdue, next) => overdue && next.set('overdue', 'true'),
  }),
] as const;

/** Every filter parameter has an entry: a parameter added to the contract without one fails to compile here. */
type Undeclared = Exclude<FilterParam, (typeof LIST_FILTERS)[number]['param']>;
export const everyFilterDeclared: [Undeclared] extends [never] ? true : Undeclared = true;

/** A filter of the table, its types erased (for the loops over all of them). */
export type AnyListFilter = ListFilter<FilterParam, object, unknown>;
export const listFilters = LIST_FILTERS as unknown as readonly AnyListFilter[];
