// Frozen: never edit a migration that has shipped; add a new one.
//
// job_runs: one row per (periodic job, period) that some process claimed (src/jobs/periodic.ts).
// The primary key is the claim: every process that wants to run a job in a period inserts its row
// with ON CONFLICT DO NOTHING, and only the one whose insert went in runs it. One statement, no
// session state: it works through PgBouncer's transaction pooling. finished_at and error say how the
// run ended (both null: still running, or its process died; the next period runs anyway).
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('job_runs')
    .addColumn('job', 'text', (c) => c.notNull())
    .addColumn('period_start', 'timestamptz', (c) => c.notNull())
    .addColumn('claimed_by', 'text', (c) => c.notNull())
    .addColumn('started_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('finished_at', 'timestamptz')
    .addColumn('error', 'text')
    .addPrimaryKeyConstraint('job_runs_pkey', ['job', 'period_start'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('job_runs').execute();
}
