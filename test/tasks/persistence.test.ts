// Data survives a restart: an app writes, closes, and a new app on the same database reads it
// back (embedded PGlite on disk always; PostgreSQL too when TEST_DATABASE_URL is set).
import { readdirSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import type { Test } from 'tap';
import type { DatabaseTarget } from '../../src/db/connect.js';
import type { Task } from '../support/types.js';
import { build, call, freshDatabase, POSTGRES_URL, tokenFor } from '../helper.js';

async function survivesRestart(t: Test, database: DatabaseTarget): Promise<void> {
  const first = await build(t, { database });
  const made: Task[] = [];
  for (const [title, url] of [
    ['first', '/api/tasks'],
    ['second', '/api/persist-user/tasks'],
    ['third', '/api/tasks'],
  ] as const) {
    const res = await call(first, { method: 'POST', url, as: 'persist-user', body: { title, description: `about ${title}` } });
    t.equal(res.statusCode, 201);
    made.push(res.json<Task>());
  }
  const toggled = await call(first, { method: 'PATCH', url: `/api/tasks/${made[1]!.id}/complete`, as: 'persist-user' });
  made[1] = toggled.json<Task>();
  t.equal(made[1].completed, true);
  const deleted = await call(first, { method: 'DELETE', url: `/api/tasks/${made[2]!.id}`, as: 'persist-user' });
  t.equal(deleted.statusCode, 204);
  await call(first, {
    method: 'GET',
    url: '/api/tasks',
    authorization: `Bearer ${tokenFor('persist-other', { email: 'other@example.com' })}`,
  });
  const before = (await call(first, { method: 'GET', url: '/api/tasks', as: 'persist-user' })).json<Task[]>();
  t.same(before, made.slice(0, 2));

  await first.close();
  // build() also closes `first` at teardown: a second close must be harmless.
  await t.resolves(first.close(), 'closing twice is harmless');

  const second = await build(t, { database });
  const after = await call(second, { method: 'GET', url: '/api/tasks', as: 'persist-user' });
  t.equal(after.statusCode, 200);
  t.same(after.json(), before, 'every task, field for field, survived the restart (deleted stays deleted)');
  t.equal(
    (await call(second, { method: 'GET', url: `/api/tasks/${made[2]!.id}`, as: 'persist-user' })).statusCode,
    404,
    'the deleted task is still gone',
  );
  const users = await second.db.selectFrom('users').selectAll().orderBy('id').execute();
  t.match(
    users.map((u) => [u.id, u.email]),
    [
      ['persist-other', 'other@example.com'],
      ['persist-user', null],
    ],
    'the users survived too',
  );

  // The restarted app keeps working on the old data, and the user it has not "seen" yet is fine.
  const patched = await call(second, {
    method: 'PATCH',
    url: `/api/persist-user/tasks/${made[0]!.id}`,
    as: 'persist-user',
    body: { title: 'first, again' },
  });
  t.equal(patched.statusCode, 200);
  t.equal(patched.json<Task>().created_at, made[0]!.created_at, 'created_at survives an edit after restart');
  const created = await call(second, { method: 'POST', url: '/api/tasks', as: 'persist-user', body: { title: 'after restart' } });
  t.equal(created.statusCode, 201);
  t.equal((await call(second, { method: 'GET', url: '/api/tasks', as: 'persist-user' })).json<Task[]>().length, 3);
}

t.test('embedded PGlite in a data directory: tasks survive a restart', async (t) => {
  const dataDir = t.testdir();
  await survivesRestart(t, { kind: 'pglite', dataDir });
  t.ok(readdirSync(path.join(dataDir, 'pglite')).length > 0, 'the database lives in DATA_DIR/pglite');
});

t.test('PostgreSQL: tasks survive a restart', { skip: POSTGRES_URL ? false : 'TEST_DATABASE_URL is not set' }, async (t) => {
  await survivesRestart(t, await freshDatabase(t));
});
