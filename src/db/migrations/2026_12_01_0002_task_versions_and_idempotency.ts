// Frozen: never edit a migration that has shipped; add a new one.
//
// tasks.version: the counter behind ETag / If-Match. A constant default, so adding it to a
// populated table is a catalog change only (PostgreSQL 11+ stores the default, no table rewrite);
// existing tasks start at version 1.
//
// idempotency_keys: one row per (user, Idempotency-Key) whose request succeeded, written in the
// same transaction as the write it records, holding the answer to replay. expires_at is indexed
// so the sweep of expired keys reads only the expired ones.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('tasks')
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .execute();

  await db.schema
    .createTable('idempotency_keys')
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('key', 'varchar(255)', (c) => c.notNull())
    .addColumn('request_fingerprint', 'text', (c) => c.notNull())
    .addColumn('response_status', 'smallint', (c) => c.notNull())
    .addColumn('response_body', 'jsonb')
    .addColumn('response_headers', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addPrimaryKeyConstraint('idempotency_keys_pkey', ['user_id', 'key'])
    .execute();

  await db.schema.createIndex('idempotency_keys_expires_at_idx').on('idempotency_keys').column('expires_at').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('idempotency_keys').execute();
  await db.schema.alterTable('tasks').dropColumn('version').execute();
}
