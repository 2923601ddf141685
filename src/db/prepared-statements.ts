// Named prepared statements for pg: each distinct SQL text sent with parameters gets one name, so
// PostgreSQL parses and plans it once per connection instead of on every query. Kysely sends the
// same few texts over and over (values are always parameters), so the set of names stays small;
// past MAX_PREPARED_STATEMENT_NAMES distinct texts, further ones are sent unnamed.
//
// Only for connections straight to PostgreSQL, or through a pooler that tracks prepared statements
// (PgBouncer ≥ 1.21 with max_prepared_statements, Neon's pooler). Older PgBouncer in transaction
// mode would send a statement prepared on one server connection to another: DB_PREPARED_STATEMENTS
// (src/config.ts) is `auto` = off for URLs that look pooled.
import type pg from 'pg';
import { MAX_PREPARED_STATEMENT_NAMES } from '../limits.js';

/** Makes every parameterised query of `client` a named one (pg caches the preparation per connection). */
export function useNamedStatements(client: pg.PoolClient, names: Map<string, string>): void {
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  (client as { query: unknown }).query = (text: unknown, values?: unknown, callback?: unknown): unknown => {
    if (typeof text !== 'string' || !Array.isArray(values) || values.length === 0 || callback !== undefined)
      return query(text, values, callback);
    let name = names.get(text);
    if (name === undefined && names.size < MAX_PREPARED_STATEMENT_NAMES) names.set(text, (name = `todo_${names.size + 1}`));
    return name === undefined ? query(text, values) : query({ name, text, values });
  };
}

/** `auto`: a URL on PgBouncer's usual port 6432 or a Neon pooler host (`-pooler.`) is taken as pooled. */
export function looksPooled(url: string): boolean {
  const { hostname, port } = new URL(url);
  return port === '6432' || hostname.includes('-pooler.');
}
