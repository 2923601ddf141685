// Opens the database: PostgreSQL through pg when a URL is given, else the embedded PGlite.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { PGlite } from '@electric-sql/pglite';
import { PGliteDialect } from 'kysely-pglite-dialect';
import type { Database } from './schema.js';

export type DatabaseTarget =
  | { kind: 'postgres'; url: string; poolMax: number }
  /** `dataDir: undefined` keeps the embedded database in memory (tests). */
  | { kind: 'pglite'; dataDir: string | undefined };

export interface DatabaseHandle {
  readonly db: Kysely<Database>;
  readonly target: DatabaseTarget;
}

export interface ConnectOptions {
  /** Called with errors of idle pooled connections (e.g. the server went away); they must never crash the process. */
  onIdleError?: (error: Error) => void;
}

export function connect(target: DatabaseTarget, options: ConnectOptions = {}): DatabaseHandle {
  if (target.kind === 'postgres') {
    const pool = new pg.Pool({
      connectionString: target.url,
      max: target.poolMax,
      // Fail fast when the server does not answer, so clients get a 503 instead of a hang.
      connectionTimeoutMillis: 2_000,
      idleTimeoutMillis: 30_000,
      statement_timeout: 10_000,
      query_timeout: 15_000,
    });
    pool.on('error', (error) => options.onIdleError?.(error));
    return { db: new Kysely<Database>({ dialect: new PostgresDialect({ pool }) }), target };
  }
  let pglite: PGlite;
  if (target.dataDir === undefined) {
    pglite = new PGlite();
  } else {
    const dir = path.resolve(target.dataDir, 'pglite');
    mkdirSync(dir, { recursive: true });
    pglite = new PGlite(dir);
  }
  return { db: new Kysely<Database>({ dialect: new PGliteDialect(pglite) }), target };
}

/** Where the database lives, for logs: never the password. */
export function describeTarget(target: DatabaseTarget): string {
  if (target.kind === 'pglite') return target.dataDir === undefined ? 'embedded PGlite (in memory)' : `embedded PGlite at ${path.resolve(target.dataDir, 'pglite')}`;
  const url = new URL(target.url);
  return `PostgreSQL at ${url.hostname}:${url.port || 5432}${url.pathname}`;
}
