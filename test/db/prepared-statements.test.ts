// Named prepared statements (DB_PREPARED_STATEMENTS): on a direct PostgreSQL connection every
// parameterised query the API sends is prepared once per connection and then reused; `off` (and
// `auto` on a pooled-looking URL) sends them unnamed, as PgBouncer < 1.21 in transaction mode needs.
import t from 'tap';
import { sql } from 'kysely';
import { buildApp } from '../../src/app.js';
import { looksPooled } from '../../src/db/prepared-statements.js';
import { call, migratedDatabase, POOLED, POSTGRES_URL, testConfig } from '../helper.js';

t.test('DB_PREPARED_STATEMENTS: auto is off for pooled-looking URLs, on for direct ones', async (t) => {
  t.ok(looksPooled('postgres://u@ep-cool-123-pooler.eu-central-1.aws.neon.tech/db'));
  t.ok(looksPooled('postgres://u@127.0.0.1:6432/db'));
  t.notOk(looksPooled('postgres://u@127.0.0.1:5432/db'));
  t.notOk(looksPooled('postgres://u@ep-cool-123.eu-central-1.aws.neon.tech/db'));
  const url = (u: string) => ({ DATABASE_URL: u });
  t.equal(testConfig(url('postgres://u@127.0.0.1:5432/db')).dbPreparedStatements, true);
  t.equal(testConfig(url('postgres://u@127.0.0.1:6432/db')).dbPreparedStatements, false);
  t.equal(testConfig({ ...url('postgres://u@127.0.0.1:6432/db'), DB_PREPARED_STATEMENTS: 'on' }).dbPreparedStatements, true);
  t.equal(testConfig({ ...url('postgres://u@127.0.0.1:5432/db'), DB_PREPARED_STATEMENTS: 'off' }).dbPreparedStatements, false);
  t.throws(() => testConfig({ DB_PREPARED_STATEMENTS: 'sometimes' }));
});

const needsDirect =
  (!POSTGRES_URL && 'needs TEST_DATABASE_URL (runs in the PostgreSQL pass of .ci/run)') ||
  (POOLED && 'prepared statements are off through the transaction pooler');

for (const on of [true, false]) {
  t.test(
    `${on ? 'on' : 'off'}: the API's queries are ${on ? 'prepared once per connection and reused' : 'not prepared'}`,
    { skip: needsDirect },
    async (t) => {
      const target = await migratedDatabase(t);
      if (target.kind !== 'postgres') throw new Error('unreachable');
      // One connection, so the session asked below is the one that served the requests; no periodic
      // jobs, so the statements it holds are the API's.
      const app = await buildApp(testConfig(), {
        logger: false,
        database: { ...target, poolMax: 1, preparedStatements: on },
        backgroundJobs: false,
      });
      t.teardown(() => app.close());
      await app.ready();
      const created = await call(app, { method: 'POST', url: '/api/tasks', as: 'alice', body: { title: 'one' } });
      t.equal(created.statusCode, 201);
      const id = (created.json() as { id: string }).id;
      for (let i = 0; i < 5; i++) {
        t.equal((await call(app, { method: 'GET', url: `/api/tasks/${id}`, as: 'alice' })).statusCode, 200);
        t.equal((await call(app, { method: 'GET', url: '/api/tasks', as: 'alice' })).statusCode, 200);
      }
      const { rows } = await sql<{ name: string; statement: string }>`select name, statement from pg_prepared_statements`.execute(app.db);
      if (!on) {
        t.same(rows, [], 'nothing prepared');
        return;
      }
      const names = rows.map((r) => r.name);
      t.equal(new Set(names).size, names.length, 'one name per statement');
      t.ok(
        rows.some((r) => /^select\b.*\bfrom "tasks"/is.test(r.statement) && /"id" = \$\d/.test(r.statement)),
        `the get query is prepared: ${JSON.stringify(rows.map((r) => r.statement))}`,
      );
      t.ok(rows.length <= 8, `a handful of statements for 11 requests (${rows.length}), not one per request`);
    },
  );
}
