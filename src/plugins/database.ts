// Opens the database for the app (app.db), applies pending migrations when asked, closes it on close.
import fp from 'fastify-plugin';
import type { Kysely } from 'kysely';
import { connect, describeTarget, type DatabaseTarget } from '../db/connect.js';
import { checkSchema } from '../db/schema-check.js';
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
      await checkSchema(db, target, migrate, (line) => app.log.info(line));
    } catch (error) {
      // Fastify does not run the onClose hooks of a plugin that failed: close the pool here, or its
      // idle connections keep the process alive (through a pooler nothing else closes them).
      await db.destroy();
      throw error;
    }
  },
  { name: 'database' },
);
