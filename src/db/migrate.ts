// Applies and inspects migrations with Kysely's Migrator.
import { Migrator, type Kysely, type MigrationResult } from 'kysely';
import { migrationProvider } from './migrations/index.js';

export function migrator(db: Kysely<any>): Migrator {
  return new Migrator({ db, provider: migrationProvider });
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
