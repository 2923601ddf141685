// Opens the database for the app (app.db), applies pending migrations when asked, closes it on close.
import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { connect, describeTarget, type DatabaseTarget } from '../db/connect.js';
import { migrateToLatest, schemaStatus } from '../db/migrate.js';
import { StartupError } from '../errors.js';
import type { Database } from '../db/schema.js';

declare module 'fastify' {
  interface FastifyInstance {
    db: Kysely<Database>;
  }
}

export interface DatabaseOptions {
  target: DatabaseTarget;
  migrate: boolean;
}

export default fp<DatabaseOptions>(
  async (app, { target, migrate }) => {
    const { db } = connect(target, {
      onIdleError: (error) => app.log.warn({ err: error }, 'an idle database connection failed; the pool will reconnect'),
    });
    app.decorate('db', db);
    app.addHook('onClose', async () => {
      await db.destroy();
    });
    app.log.info(`database: ${describeTarget(target)}`);
    try {
      await checkSchema(app, db, migrate, target);
    } catch (error) {
      // Fastify does not run the onClose hooks of a plugin that failed: close the pool here, or its
      // idle connections keep the process alive (through a pooler nothing else closes them).
      await db.destroy();
      throw error;
    }
  },
  { name: 'database' },
);

/** Schema version consistency: never serve a schema this code does not know; migrate when asked. */
async function checkSchema(app: FastifyInstance, db: Kysely<Database>, migrate: boolean, target: DatabaseTarget): Promise<void> {
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
    for (const result of await migrateToLatest(migrating)) app.log.info(`migration ${result.migrationName}: ${result.status}`);
  } finally {
    if (migrating !== db) await migrating.destroy();
  }
}
