// The PostgreSQL target of a test run, in one place: which server (TEST_DATABASE_URL), the direct URL
// for admin work (TEST_ADMIN_DATABASE_URL), whether the app's URL goes through a transaction pooler
// (TEST_DATABASE_POOLED=transaction), and the databases a test gets on it.
//
// Through a pooler (the PgBouncer pass of .ci/run): TEST_DATABASE_URL is the pooled URL the app
// uses, TEST_ADMIN_DATABASE_URL the direct one, for CREATE/DROP DATABASE (dropping a database
// through PgBouncer would race its pooled server connections to it; on Neon too, such admin work
// goes to the direct URL). TEST_DATABASE_POOLED=transaction turns on the tests that only mean
// something there.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Test } from 'tap';
import type { DatabaseTarget } from '../../src/db/connect.js';
import { lendPostgresDatabase } from './reused-postgres.js';
import { migratedPostgresTemplate } from './templates.js';

export const POSTGRES_URL = process.env.TEST_DATABASE_URL || undefined;
export const ADMIN_URL = process.env.TEST_ADMIN_DATABASE_URL || POSTGRES_URL;
export const POOLED = POSTGRES_URL !== undefined && process.env.TEST_DATABASE_POOLED === 'transaction';
export const DATABASE_KIND = POSTGRES_URL ? 'postgres' : 'pglite';

/** Runs `fn` on a direct (never pooled) connection to the server's admin database (or to `database` on that server). */
export async function admin<T>(fn: (client: pg.Client) => Promise<T>, database?: string): Promise<T> {
  const client = await directClient(database);
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** A connected client on the direct (never pooled) URL, to the admin database or to `database`; the caller ends it. */
export async function directClient(database?: string): Promise<pg.Client> {
  const url = new URL(ADMIN_URL!);
  if (database) url.pathname = `/${database}`;
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  return client;
}

/** The app's target for database `name`, on TEST_DATABASE_URL (pooled or not). */
function target(name: string): DatabaseTarget {
  const url = new URL(POSTGRES_URL!);
  url.pathname = `/${name}`;
  // Named prepared statements as in production on a direct URL; off through the transaction pooler (PgBouncer 1.18 has no support).
  return { kind: 'postgres', url: url.toString(), poolMax: 10, preparedStatements: !POOLED };
}

/** A new database for one test, empty or copied from `template`, dropped when the test ends. */
export async function newPostgresDatabase(t: Test, template?: string): Promise<DatabaseTarget> {
  const name = `todo_test_${randomBytes(6).toString('hex')}`;
  await admin(async (client) => client.query(`CREATE DATABASE ${name}${template ? ` TEMPLATE ${template}` : ''}`));
  t.teardown(() => admin(async (client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)));
  return target(name);
}

/** A new database with every migration applied (a copy of the migrated template). */
export async function migratedPostgresDatabase(t: Test): Promise<DatabaseTarget> {
  return newPostgresDatabase(t, await migratedPostgresTemplate(admin, ADMIN_URL!));
}

/** A migrated database reused across the apps of a test file (test/support/reused-postgres.ts); `giveBack` once the app is closed. */
export async function lentPostgresDatabase(): Promise<{ database: DatabaseTarget; giveBack: () => Promise<void> }> {
  const lent = await lendPostgresDatabase(admin, await migratedPostgresTemplate(admin, ADMIN_URL!));
  return { database: target(lent.name), giveBack: () => lent.giveBack() };
}
