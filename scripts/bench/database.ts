// The bench's database: a fresh `todo_bench` on the local PostgreSQL, migrated (the server does not
// migrate on start in production), and an admin connection for the CPU accounting of its backends.
import pg from 'pg';
import { connect } from '../../src/db/connect.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { log } from './processes.js';

export const PG_HOST = '127.0.0.1';
export const PG_ADMIN_URL = `postgres://postgres@${PG_HOST}:5432/postgres`;
/** BENCH_DATABASE names another database (two benches on one PostgreSQL must not share one). */
export const DB_NAME = process.env.BENCH_DATABASE ?? 'todo_bench';
if (!/^[a-z_][a-z0-9_]{0,62}$/.test(DB_NAME)) throw new Error('BENCH_DATABASE must be a plain lower-case PostgreSQL identifier');
export const DB_URL = `postgres://postgres@${PG_HOST}:5432/${DB_NAME}`;

export async function adminClient(): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 5_000 });
  await client.connect();
  return client;
}

/** Drops and creates the bench database (todo_bench), then applies the migrations. */
export async function freshDatabase(): Promise<void> {
  const client = await adminClient();
  try {
    await client.query(`drop database if exists ${DB_NAME} with (force)`);
    await client.query(`create database ${DB_NAME}`);
  } finally {
    await client.end();
  }
  const { db } = connect({ kind: 'postgres', url: DB_URL, poolMax: 1 });
  try {
    const results = await migrateToLatest(db);
    log(`migrations: ${results.map((r) => `${r.migrationName} ${r.status}`).join(', ') || 'none'}`);
  } finally {
    await db.destroy();
  }
}
