// Applies and inspects migrations with Kysely's Migrator, each run in one transaction that holds a
// transaction-scoped advisory lock.
//
// Why not Kysely's own locking: Kysely 0.28's PostgresAdapter takes a session-level
// pg_advisory_lock before BEGIN and releases it with pg_advisory_unlock after COMMIT, three separate
// transactions. Through a transaction-pooling PgBouncer (Neon's "-pooler" URLs) each may run on a
// different server session: the unlock then misses ("you don't own a lock of type ExclusiveLock")
// and the lock stays held by a pooled server connection, blocking the next migration. Here the run
// is BEGIN; pg_advisory_xact_lock; Kysely's migrations; COMMIT (or ROLLBACK), one transaction, so
// one server session from lock to release, direct or pooled, and a failing migration leaves the
// schema as it was.
import {
  Migrator,
  PostgresAdapter,
  sql,
  type Kysely,
  type MigrationInfo,
  type MigrationProvider,
  type MigrationResult,
  type MigrationResultSet,
} from 'kysely';
import { migrationProvider } from './migrations/index.js';

/** The key Kysely's PostgreSQL adapter locks, so a stock Kysely migrator and ours exclude each other. */
const MIGRATION_LOCK_KEY = BigInt('3853314791062309107');

/**
 * The adapter of our dialects (src/db/connect.ts, src/db/pglite.ts, src/db/lazy-dialect.ts): Kysely's PostgreSQL adapter without its
 * session-level migration lock, because runs go through {@link migrator}, which holds a
 * transaction-scoped lock around the whole run instead.
 */
export class TransactionLockedMigrationsAdapter extends PostgresAdapter {
  override async acquireMigrationLock(): Promise<void> {
    // Held already: migrator() took pg_advisory_xact_lock right after BEGIN.
  }

  override async releaseMigrationLock(): Promise<void> {
    // Released by COMMIT or ROLLBACK.
  }
}

export interface AppMigrator {
  getMigrations(): Promise<readonly MigrationInfo[]>;
  migrateToLatest(): Promise<MigrationResultSet>;
  migrateUp(): Promise<MigrationResultSet>;
  migrateDown(): Promise<MigrationResultSet>;
  migrateTo(name: Parameters<Migrator['migrateTo']>[0]): Promise<MigrationResultSet>;
}

/** Migrations of `provider` (the app's by default) on `db`, which must come from connect(). */
export function migrator(db: Kysely<any>, provider: MigrationProvider = migrationProvider): AppMigrator {
  if (!(db.getExecutor().adapter instanceof TransactionLockedMigrationsAdapter)) {
    throw new Error('migrations need a database opened by connect() (its adapter leaves the lock to migrator())');
  }
  const inOneTransaction = (run: (m: Migrator) => Promise<MigrationResultSet>): Promise<MigrationResultSet> =>
    db.connection().execute(async (conn) => {
      await sql`begin`.execute(conn);
      let result: MigrationResultSet;
      try {
        await sql`select pg_advisory_xact_lock(${sql.lit(MIGRATION_LOCK_KEY)})`.execute(conn);
        // disableTransactions: the transaction is ours (Kysely's would start after its lock).
        result = await run(new Migrator({ db: conn, provider, disableTransactions: true }));
      } catch (error) {
        await sql`rollback`.execute(conn).catch(() => undefined);
        throw error;
      }
      // Kysely reports a failed migration in the result set instead of throwing: undo the whole run.
      await (result.error ? sql`rollback` : sql`commit`).execute(conn);
      return result;
    });
  return {
    getMigrations: () => new Migrator({ db, provider }).getMigrations(),
    migrateToLatest: () => inOneTransaction((m) => m.migrateToLatest()),
    migrateUp: () => inOneTransaction((m) => m.migrateUp()),
    migrateDown: () => inOneTransaction((m) => m.migrateDown()),
    migrateTo: (name) => inOneTransaction((m) => m.migrateTo(name)),
  };
}

/** Raises the first failure of a migration run, so no caller can ignore it. */
export function ensureSucceeded(result: { error?: unknown; results?: MigrationResult[] }): MigrationResult[] {
  if (result.error) {
    const failed = result.results?.find((r) => r.status === 'Error');
    const cause = result.error instanceof Error ? result.error.message : String(result.error);
    throw new Error(`migration ${failed?.migrationName ?? '(setup)'} failed: ${cause}`, { cause: result.error });
  }
  return result.results ?? [];
}

export async function migrateToLatest(db: Kysely<any>): Promise<MigrationResult[]> {
  return ensureSucceeded(await migrator(db).migrateToLatest());
}

/** Migrates to exactly the named migration (up or down). */
export async function migrateTo(db: Kysely<any>, name: string): Promise<MigrationResult[]> {
  return ensureSucceeded(await migrator(db).migrateTo(name));
}

/** What the database has applied compared with what this code knows. */
export async function schemaStatus(db: Kysely<any>): Promise<{ pending: string[]; unknown: string[] }> {
  const known = await migrator(db).getMigrations();
  const pending = known.filter((m) => !m.executedAt).map((m) => m.name);
  const tables = await db.introspection.getTables({ withInternalKyselyTables: true });
  if (!tables.some((t) => t.name === 'kysely_migration')) return { pending, unknown: [] };
  const applied = await db.selectFrom('kysely_migration').select('name').execute();
  const knownNames = new Set(known.map((m) => m.name));
  return { pending, unknown: applied.map((r: { name: string }) => r.name).filter((n) => !knownNames.has(n)) };
}
