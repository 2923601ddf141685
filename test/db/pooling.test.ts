// Through a transaction-pooling PgBouncer (what Neon's "-pooler" URLs are), each transaction of an
// app connection may run on a different server session. These tests first show that this really
// happens here (so nothing below passes by accident on a direct connection), then that the app's
// operations, run concurrently by many users over more app connections than server sessions, give
// exactly the right answers: nothing relies on session state carried from one transaction to the next.
import t from 'tap';
import { sql } from 'kysely';
import type { Task } from '../support/types.js';
import { buildApp } from '../../src/app.js';
import { connect } from '../../src/db/connect.js';
import { call, freshDatabase, POOLED, testConfig } from '../helper.js';

const skip = !POOLED && 'needs a transaction-pooled TEST_DATABASE_URL and TEST_DATABASE_POOLED=transaction (the PgBouncer pass of .ci/run)';
const APP_CONNECTIONS = 12;

t.test('app connections outnumber server sessions, and a connection changes session between transactions', { skip }, async (t) => {
  const target = await freshDatabase(t);
  if (target.kind !== 'postgres') throw new Error('unreachable');
  const { db } = connect({ ...target, poolMax: APP_CONNECTIONS });
  t.teardown(() => db.destroy());
  // Each app connection (held for the whole loop) runs 8 transactions, all connections at once.
  const seen = await Promise.all(
    Array.from({ length: APP_CONNECTIONS }, () =>
      db.connection().execute(async (conn) => {
        const pids = new Set<number>();
        for (let i = 0; i < 8; i++) {
          // Uneven durations, so the connections do not settle into a fixed rotation over the sessions.
          const r = await sql<{ pid: number }>`select pg_backend_pid() as pid, pg_sleep(0.002 + random() * 0.01)`.execute(conn);
          pids.add(r.rows[0]!.pid);
        }
        return pids;
      }),
    ),
  );
  const sessions = new Set(seen.flatMap((pids) => [...pids]));
  t.ok(sessions.size < APP_CONNECTIONS, `${APP_CONNECTIONS} app connections were served by ${sessions.size} server sessions`);
  t.ok(
    seen.some((pids) => pids.size > 1),
    'one app connection ran its transactions on different server sessions: session state (SET, advisory locks, temp tables, prepared statements) would not follow it',
  );
});

t.test('many users over many app connections get exactly their own, correct tasks', { skip }, async (t) => {
  const database = await freshDatabase(t);
  if (database.kind !== 'postgres') throw new Error('unreachable');
  const app = await buildApp(testConfig(), { logger: false, database: { ...database, poolMax: APP_CONNECTIONS } });
  t.teardown(() => app.close());
  await app.ready();

  const users = Array.from({ length: 8 }, (_, i) => `pooled-user-${i}`);
  const expected = await Promise.all(
    users.map(async (user, u) => {
      // Four tasks at once, then for each: a change, a toggle, or a delete, also at once.
      const created = await Promise.all(
        Array.from({ length: 4 }, async (_, i) => {
          const res = await call(app, {
            method: 'POST',
            url: '/api/tasks',
            as: user,
            body: { title: `${user} task ${i}`, description: `u${u}t${i}` },
          });
          t.equal(res.statusCode, 201);
          return res.json<Task>();
        }),
      );
      const outcome = await Promise.all(
        created.map(async (task, i) => {
          const url = `/api/${user}/tasks/${task.id}`;
          if (i === 0) return (await call(app, { method: 'PATCH', url, as: user, body: { title: `${user} renamed` } })).json<Task>();
          if (i === 1) return (await call(app, { method: 'PATCH', url: `${url}/complete`, as: user })).json<Task>();
          if (i === 2) {
            t.equal((await call(app, { method: 'DELETE', url, as: user })).statusCode, 204);
            return undefined;
          }
          return task;
        }),
      );
      return outcome.filter((x): x is Task => x !== undefined);
    }),
  );

  await Promise.all(
    users.map(async (user, u) => {
      const res = await call(app, { method: 'GET', url: '/api/tasks?limit=100', as: user });
      t.equal(res.statusCode, 200);
      const byId = (a: Task, b: Task) => a.id.localeCompare(b.id);
      const got = res.json<Task[]>().sort(byId);
      t.same(
        got.map((x) => [x.id, x.title, x.description, x.completed]),
        expected[u]!.sort(byId).map((x) => [x.id, x.title, x.description, x.completed]),
        `${user} sees exactly their 3 remaining tasks with their changes`,
      );
      t.same(got.map((x) => x.title).sort(), [`${user} renamed`, `${user} task 1`, `${user} task 3`].sort());
      t.same(
        got.filter((x) => x.completed).map((x) => x.title),
        [`${user} task 1`],
        'only the toggled task is completed',
      );
    }),
  );
});
