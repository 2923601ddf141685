// Opens the database: PostgreSQL through pg when a URL is given, else the embedded PGlite.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { BoundedPool } from './bounded-pool.js';
import { useNamedStatements } from './prepared-statements.js';
import { TransactionLockedMigrationsAdapter } from './migrate.js';
import type { Database } from './schema.js';
import type { Config } from '../config.js';
import { typeParsers } from './timestamps.js';
import { lockDataDir } from './data-dir-lock.js';
import { LazyDialect } from './lazy-dialect.js';
import type { LentPGlite, PGliteImage, PGliteSource } from './pglite.js';
import { DB_CONNECT_TIMEOUT_MS, DB_IDLE_TIMEOUT_MS, QUERY_TIMEOUT_MS } from '../limits.js';

// The PostgreSQL dialect uses the adapter whose migration lock migrate.ts takes inside the migration
// transaction (Kysely's own is session-level, unsafe through transaction pooling).
class PostgresDialectWithMigrationLock extends PostgresDialect {
  override createAdapter(): TransactionLockedMigrationsAdapter {
    return new TransactionLockedMigrationsAdapter();
  }
}

export type DatabaseTarget =
  /** `queueMax`: requests waiting for a connection beyond this fail at once (src/db/bounded-pool.ts); absent or null: unbounded. */
  /** `preparedStatements`: named prepared statements (src/db/prepared-statements.ts); absent: off. */
  | { kind: 'postgres'; url: string; poolMax: number; queueMax?: number | null; preparedStatements?: boolean }
  /** `dataDir: undefined` keeps the embedded database in memory (tests), started from `image` when given, or on the `lent` instance. */
  | { kind: 'pglite'; dataDir: string | undefined; image?: PGliteImage; lent?: LentPGlite };

/** The configured database: PostgreSQL at DATABASE_URL, else the embedded one under DATA_DIR. */
export function databaseTarget(
  config: Pick<Config, 'databaseUrl' | 'dbPoolMax' | 'dbPoolQueueMax' | 'dbPreparedStatements' | 'dataDir'>,
): DatabaseTarget {
  return config.databaseUrl
    ? {
        kind: 'postgres',
        url: config.databaseUrl,
        poolMax: config.dbPoolMax,
        queueMax: config.dbPoolQueueMax,
        preparedStatements: config.dbPreparedStatements,
      }
    : { kind: 'pglite', dataDir: config.dataDir };
}

export interface DatabaseHandle {
  readonly db: Kysely<Database>;
  readonly target: DatabaseTarget;
}

export interface ConnectOptions {
  /** Called with errors of pooled connections (e.g. the server went away); they must never crash the process. */
  onIdleError?: (error: Error) => void;
  /**
   * PostgreSQL: pg's client-side bound on each query (default QUERY_TIMEOUT_MS); null for none.
   * Migrations use none: an index build on a large table takes minutes, and giving up on it at 15 s
   * only rolls the whole migration back.
   */
  queryTimeoutMs?: number | null;
}

export function connect(target: DatabaseTarget, options: ConnectOptions = {}): DatabaseHandle {
  if (target.kind === 'postgres') {
    const poolOptions: pg.PoolConfig = {
      ...connectionOptions(target.url),
      max: target.poolMax,
      types: typeParsers,
      connectionTimeoutMillis: DB_CONNECT_TIMEOUT_MS,
      idleTimeoutMillis: DB_IDLE_TIMEOUT_MS,
      // No `statement_timeout` here: pg would send it as a startup parameter, which PgBouncer and
      // Neon's pooler refuse ("unsupported startup parameter", every connection fails) and Neon's
      // proxy drops even on direct URLs. The bound this process enforces is query_timeout, a
      // client-side timer that works through any pooler; the server-side bound belongs to the role
      // (`ALTER ROLE … SET statement_timeout`), which applies to every session, pooled or not.
      ...(options.queryTimeoutMs === null ? {} : { query_timeout: options.queryTimeoutMs ?? QUERY_TIMEOUT_MS }),
    };
    const pool = target.queueMax ? new BoundedPool({ ...poolOptions, queueMax: target.queueMax }) : new pg.Pool(poolOptions);
    pool.on('error', (error) => options.onIdleError?.(error));
    // A connection that dies while checked out errors its query (503) and also emits 'error' on the
    // client, which nobody else listens to: without this listener that would crash the process.
    // One name per SQL text for the whole pool: each connection prepares it on first use.
    const names = new Map<string, string>();
    pool.on('connect', (client) => {
      client.on('error', (error) => options.onIdleError?.(error));
      if (target.preparedStatements) useNamedStatements(client, names);
    });
    return { db: new Kysely<Database>({ dialect: new PostgresDialectWithMigrationLock({ pool }) }), target };
  }
  const source = pgliteSource(target);
  return {
    db: new Kysely<Database>({ dialect: new LazyDialect(() => import('./pglite.js').then((pglite) => pglite.pgliteDialect(source))) }),
    target,
  };
}

/** A data folder is locked here, at once, so a second open fails in connect(); PGlite itself loads at the first query. */
function pgliteSource(target: Extract<DatabaseTarget, { kind: 'pglite' }>): PGliteSource {
  if (target.dataDir === undefined) return target.lent ? { lent: target.lent } : { image: target.image };
  const dir = path.resolve(target.dataDir, 'pglite');
  mkdirSync(dir, { recursive: true });
  return { dir, release: lockDataDir(dir) };
}

/**
 * pg options for a PostgreSQL URL, Neon's form included: `channel_binding=require` turns on
 * SCRAM-SHA-256-PLUS (pg does not read it from the URL), and `sslmode=require` is spelled as
 * `verify-full`, which is what pg 8 does with it anyway (certificate and host checked), minus
 * the deprecation warning pg prints for every connection string that says `require`.
 */
export function connectionOptions(url: string): { connectionString: string; enableChannelBinding: boolean } {
  const parsed = new URL(url);
  const channelBinding = parsed.searchParams.get('channel_binding');
  parsed.searchParams.delete('channel_binding');
  if (parsed.searchParams.get('sslmode') === 'require' && !parsed.searchParams.has('uselibpqcompat')) {
    parsed.searchParams.set('sslmode', 'verify-full');
  }
  return { connectionString: parsed.toString(), enableChannelBinding: channelBinding === 'require' };
}

/** Where the database lives, for logs: never the password. */
export function describeTarget(target: DatabaseTarget): string {
  if (target.kind === 'pglite')
    return target.dataDir === undefined ? 'embedded PGlite (in memory)' : `embedded PGlite at ${path.resolve(target.dataDir, 'pglite')}`;
  const url = new URL(target.url);
  return `PostgreSQL at ${url.hostname}:${url.port || 5432}${url.pathname}`;
}
