// Queries built and compiled once per shape, then only bound to each call's values. Kysely builds
// an operation tree and compiles it to SQL on every call: about 20 µs for a get's query, more for a
// list page's, the largest cost of the database side after pg itself. Binding a cached shape takes
// under 1 µs (docs/PERFORMANCE.md).
//
// A shape is built by ordinary Kysely code that receives placeholders instead of values
// (`p.owner`, `p.id`) and a small description of the shape (which fields, which filters: what
// changes the SQL text). The builder never sees the call's values, so it cannot make a decision
// the cache key would miss: the key is the description itself. Constants the builder writes into
// the query (an `sql` literal, a boolean chosen by the description) stay in the cached
// parameters; each placeholder is replaced by its value in the call's own parameter list.
//
// The SQL is compiled by the first database the shape runs on; both dialects this app uses (pg and
// PGlite) compile PostgreSQL's SQL, so the text is the same for either, and for a transaction.
import type { Compilable, CompiledQuery, Kysely } from 'kysely';
import type { Database } from './schema.js';
import { MAX_QUERY_SHAPES } from '../limits.js';

class Placeholder {
  constructor(
    readonly name: string,
    readonly index?: number,
  ) {}
}

/** What a builder gets for the values: a placeholder where each value will go. */
export type Placeholders<V> = { readonly [K in keyof V]-?: NonNullable<V[K]> } & {
  /** Placeholders for the first `n` items of an array value (`x in (…)` takes one parameter per item). */
  readonly items: <K extends keyof V>(name: K, n: number) => NonNullable<V[K]> extends readonly (infer T)[] ? T[] : never;
};

function placeholders<V>(): Placeholders<V> {
  const items = (name: PropertyKey, n: number) => Array.from({ length: n }, (_, i) => new Placeholder(String(name), i));
  return new Proxy({}, { get: (_, name) => (name === 'items' ? items : new Placeholder(String(name))) }) as Placeholders<V>;
}

interface Cached {
  readonly query: CompiledQuery;
  /** For each parameter: the placeholder to fill, or undefined for a constant of the shape. */
  readonly slots: readonly (Placeholder | undefined)[];
}

export interface QueryShape<V, R> {
  /** The compiled query for these values (from the shape's cache when it has been built before). */
  (db: Kysely<Database>, values: V): CompiledQuery<R>;
  /** What the query is, for test messages (e.g. `tasks.find`). */
  readonly shapeName: string;
  /** The distinct shapes compiled so far (tests check each one). */
  readonly compiled: () => readonly CompiledQuery[];
}

const registry: QueryShape<never, unknown>[] = [];

/**
 * Every query shape defined in this process, in definition order: test/tasks/owner-filter.test.ts
 * checks each one's compiled queries against src/db/owned.ts, so a new repository's are included
 * without being listed anywhere.
 */
export function queryShapes(): readonly QueryShape<never, unknown>[] {
  return registry;
}

/**
 * A query compiled once per shape. `shapeOf` says, from the values, everything the SQL text depends
 * on (JSON-serialisable; a constant for a query of one shape); `build` builds that shape.
 */
export function queryShape<V extends object, S, R>(
  shapeOf: (values: V) => S,
  build: (db: Kysely<Database>, p: Placeholders<V>, shape: S) => Compilable<R>,
  name = 'unnamed',
): QueryShape<V, R> {
  const cache = new Map<string, Cached>();
  const shape = (db: Kysely<Database>, values: V): CompiledQuery<R> => {
    const description = shapeOf(values);
    const key = JSON.stringify(description) ?? '';
    let cached = cache.get(key);
    if (cached === undefined) {
      cached = compileShape(build(db, placeholders<V>(), description));
      if (cache.size < MAX_QUERY_SHAPES) cache.set(key, cached);
    }
    return bind(cached, values) as CompiledQuery<R>;
  };
  const registered = Object.assign(shape, { shapeName: name, compiled: () => [...cache.values()].map((c) => c.query) });
  registry.push(registered as QueryShape<never, unknown>);
  return registered;
}

/** The `shapeOf` of a query that has one shape for every value of V. */
export function oneShape<V>(): (values: V) => null {
  return () => null;
}

function compileShape(query: Compilable<unknown>): Cached {
  const compiled = query.compile();
  return { query: compiled, slots: compiled.parameters.map((p) => (p instanceof Placeholder ? p : undefined)) };
}

function bind(cached: Cached, values: object): CompiledQuery {
  const { query, slots } = cached;
  const parameters = query.parameters.slice();
  for (let i = 0; i < slots.length; i++) {
    const slot = slots[i];
    if (slot === undefined) continue;
    const value = (values as Record<string, unknown>)[slot.name];
    parameters[i] = slot.index === undefined ? value : (value as readonly unknown[])[slot.index];
    if (parameters[i] === undefined)
      throw new Error(`query shape: no value for placeholder ${slot.name}${slot.index === undefined ? '' : `[${slot.index}]`}`);
  }
  return { query: query.query, queryId: query.queryId, sql: query.sql, parameters };
}

/** The parameter positions (1-based, as in `$n`) that the placeholder `name` fills in `query`. */
export function placeholderPositions(query: CompiledQuery, name: string): number[] {
  return query.parameters.flatMap((p, i) => (p instanceof Placeholder && p.name === name ? [i + 1] : []));
}
