// Before a process uses the database (the API, the worker): its schema must be the one this code
// knows. Pending migrations are applied when MIGRATE_ON_START says so, else the process refuses to start.
import type { Kysely } from 'kysely';
import { connect, type DatabaseTarget } from './connect.js';
import { migrateToLatest, schemaStatus } from './migrate.js';
import { StartupError } from '../errors.js';
import type { Database } from './schema.js';

/** Schema version consistency: never serve a schema this code does not know; migrate when asked. */
export async function checkSchema(
  db: Kysely<Database>,
  target: DatabaseTarget,
  migrate: boolean,
  log: (line: string) => void,
): Promise<void> {
  const { pending, unknown } = await schemaStatus(db);
  if (unknown.length > 0) {
    throw new StartupError(
      `the database has migrations this version does not know (${unknown.join(', ')}); refusing to serve: deploy the version that has them`,
    );
  }
  if (pending.length > 0 && !migrate) {
    throw new StartupError(
      `the database schema is behind (pending: ${pending.join(', ')}) and MIGRATE_ON_START is off; run: npm run migrate -- up`,
    );
  }
  if (pending.length === 0) return;
  // On PostgreSQL through a connection of its own without the app's query timeout: an index build
  // on a large table takes minutes, and the pool's 15 s bound would roll the migration back.
  const migrating = target.kind === 'postgres' ? connect({ ...target, poolMax: 1, queueMax: null }, { queryTimeoutMs: null }).db : db;
  try {
    for (const result of await migrateToLatest(migrating)) log(`migration ${result.migrationName}: ${result.status}`);
  } finally {
    if (migrating !== db) await migrating.destroy();
  }
}
