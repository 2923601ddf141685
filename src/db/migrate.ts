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
