// The PGlite instances build() reuses across a test file's apps (test/support/reused-pglite.ts): a
// reused one is as fresh as a new copy of the template, and one a test changed is never reused.
import t from 'tap';
import { buildApp } from '../../src/app.js';
import { call, DATABASE_KIND, testConfig } from '../helper.js';
import { lendPGlite } from '../support/reused-pglite.js';
import { migratedPGliteImage } from '../support/templates.js';

const skip = DATABASE_KIND === 'pglite' ? false : 'PGlite only (on PostgreSQL every app gets its own database)';
const image = DATABASE_KIND === 'pglite' ? await migratedPGliteImage() : undefined;

async function appOn(lent: Awaited<ReturnType<typeof lendPGlite>>) {
  const app = await buildApp(testConfig(), { database: { kind: 'pglite', dataDir: undefined, lent }, logger: false });
  await app.ready();
  return app;
}

t.test('the next app on a reused instance sees none of the last one’s data', { skip }, async (t) => {
  const first = await lendPGlite(image!);
  const app = await appOn(first);
  t.equal((await call(app, { method: 'POST', url: '/api/tasks', as: 'alice', body: { title: 'left behind' } })).statusCode, 201);
  await app.close();

  const second = await lendPGlite(image!);
  t.ok(second.pglite === first.pglite, 'the same instance, given back by app.close()');
  const next = await appOn(second);
  t.teardown(() => next.close());
  const list = await call(next, { method: 'GET', url: '/api/tasks', as: 'alice' });
  t.same(list.json(), [], 'no task of the previous app');
  const stats = await call(next, { method: 'GET', url: '/api/tasks/stats', as: 'alice' });
  t.match(stats.json(), { total: 0 }, 'and no counts (task_counts emptied too)');
  const { rows } = await second.pglite.query<{ n: number }>('select count(*)::int as n from kysely_migration');
  t.ok(rows[0]!.n > 0, 'the migrations’ bookkeeping is kept');
});

for (const [what, change] of [
  ['a table dropped', 'drop table idempotency_keys'],
  ['a table added', 'create table stray (x int)'],
  ['a session setting changed', "set statement_timeout = '5s'"],
  ['a transaction left open', 'begin'],
  ['a migration row removed', 'delete from kysely_migration where name = (select max(name) from kysely_migration)'],
] as const) {
  t.test(`an instance with ${what} is closed, not reused`, { skip }, async (t) => {
    const lent = await lendPGlite(image!);
    await lent.pglite.exec(change);
    await lent.giveBack();
    t.ok(lent.pglite.closed, 'closed');
    const next = await lendPGlite(image!);
    t.ok(next.pglite !== lent.pglite, 'the next lend is another instance');
    await next.giveBack();
  });
}
