// How long a key lives: its record is in the database, so a retry after a restart of the server
// still replays; after 24 hours it is gone from lookups at once, and the sweep removes expired
// records in bounded batches through the expires_at index.
import t from 'tap';
import Fastify from 'fastify';
import fp from 'fastify-plugin';
import { sql } from 'kysely';
import type { Task } from '../support/types.js';
import { build, call, DATABASE_KIND, fileDatabase, testConfig } from '../helper.js';
import { buildApp } from '../../src/app.js';
import { deleteExpiredKeys } from '../../src/idempotency/idempotency.repository.js';
import backgroundJobs from '../../src/plugins/background-jobs.js';

t.test(`a key is replayed by a restarted server on the same database (${DATABASE_KIND})`, async (t) => {
  const target = await fileDatabase(t);
  const open = async () => {
    const app = await buildApp(testConfig(), { database: target, logger: false });
    await app.ready();
    return app;
  };
  const headers = { 'idempotency-key': 'survives-restart' };
  const first = await open();
  const created = await call(first, {
    method: 'POST',
    url: '/api/restart-user/tasks',
    as: 'restart-user',
    headers,
    body: { title: 'Before' },
  });
  const toggled = await call(first, {
    method: 'PATCH',
    url: `/api/tasks/${created.json<Task>().id}/complete`,
    as: 'restart-user',
    headers: { 'idempotency-key': 'toggle-restart' },
  });
  await first.close();

  const second = await open();
  t.teardown(() => second.close());
  const again = await call(second, {
    method: 'POST',
    url: '/api/restart-user/tasks',
    as: 'restart-user',
    headers,
    body: { title: 'Before' },
  });
  t.same(
    [again.statusCode, again.headers['idempotent-replayed'], again.headers.location, again.headers.etag, again.json()],
    [201, 'true', created.headers.location, created.headers.etag, created.json()],
    'the create is replayed by the new process',
  );
  const toggledAgain = await call(second, {
    method: 'PATCH',
    url: `/api/tasks/${created.json<Task>().id}/complete`,
    as: 'restart-user',
    headers: { 'idempotency-key': 'toggle-restart' },
  });
  t.same([toggledAgain.headers['idempotent-replayed'], toggledAgain.json()], ['true', toggled.json()], 'the toggle too');
  const tasks = (await call(second, { method: 'GET', url: '/api/tasks', as: 'restart-user' })).json<Task[]>();
  t.same(
    tasks.map((x) => [x.title, x.completed, x.version]),
    [['Before', true, 2]],
    'one task, toggled once',
  );
});

t.test('an expired key is not replayed, and the sweep deletes expired keys only, in batches', async (t) => {
  const app = await build(t);
  const user = 'expiry-user';
  const headers = { 'idempotency-key': 'old-key' };
  const first = await call(app, { method: 'POST', url: '/api/tasks', as: user, headers, body: { title: 'Old' } });
  await app.db
    .updateTable('idempotency_keys')
    .set({ expires_at: sql`now() - interval '1 second'` })
    .where('key', '=', 'old-key')
    .execute();
  const after = await call(app, { method: 'POST', url: '/api/tasks', as: user, headers, body: { title: 'Old' } });
  t.same([after.statusCode, after.headers['idempotent-replayed']], [201, undefined], 'past expires_at, the key starts afresh');
  t.not(after.json<Task>().id, first.json<Task>().id, 'a new task');
  const row = await app.db.selectFrom('idempotency_keys').selectAll().where('key', '=', 'old-key').executeTakeFirstOrThrow();
  t.ok(row.expires_at.getTime() > Date.now() + 23 * 3600_000, 'the record was replaced, good for 24 hours');
  t.same(row.response_body, after.json(), 'holding the new answer');

  for (let i = 0; i < 5; i++)
    await call(app, { method: 'POST', url: '/api/tasks', as: user, headers: { 'idempotency-key': `k${i}` }, body: { title: `t${i}` } });
  await app.db
    .updateTable('idempotency_keys')
    .set({ expires_at: sql`now() - interval '1 hour'` })
    .where('key', 'in', ['k0', 'k1', 'k2'])
    .execute();
  t.equal(await deleteExpiredKeys(app.db, 2), 2, 'a batch is bounded');
  t.equal(await deleteExpiredKeys(app.db, 2), 1, 'the rest of the expired ones');
  t.equal(await deleteExpiredKeys(app.db, 2), 0, 'nothing left to sweep');
  const left = await app.db.selectFrom('idempotency_keys').select('key').where('user_id', '=', user).orderBy('key').execute();
  t.same(
    left.map((r) => r.key),
    ['k3', 'k4', 'old-key'],
    'live keys stay',
  );
});

t.test('the sweep reads expired rows through the expires_at index, not the whole table', async (t) => {
  const app = await build(t);
  await app.db.insertInto('users').values({ id: 'plan-user', email: null }).execute();
  await sql`
    insert into idempotency_keys (user_id, key, request_fingerprint, response_status, response_headers, expires_at)
    select 'plan-user', 'k' || i, 'f', 201, '{}', now() + interval '1 day'
    from generate_series(1, 5000) as i`.execute(app.db);
  await sql`analyze idempotency_keys`.execute(app.db);
  const { rows } = await sql<{ 'QUERY PLAN': string }>`
    explain select user_id, key from idempotency_keys where expires_at <= now() order by expires_at limit 1000 for update skip locked`.execute(
    app.db,
  );
  const plan = rows.map((r) => r['QUERY PLAN']).join('\n');
  t.match(plan, /Index Scan using idempotency_keys_expires_at_idx/, 'an index scan');
  t.notMatch(plan, /Seq Scan/, 'no sequential scan');
});

t.test('the background sweeper removes expired keys on its own', async (t) => {
  const app = await build(t);
  await call(app, { method: 'POST', url: '/api/tasks', as: 'sweep-user', headers: { 'idempotency-key': 'expired' }, body: { title: 'x' } });
  await call(app, { method: 'POST', url: '/api/tasks', as: 'sweep-user', headers: { 'idempotency-key': 'live' }, body: { title: 'y' } });
  await app.db
    .updateTable('idempotency_keys')
    .set({ expires_at: sql`now() - interval '1 minute'` })
    .where('key', '=', 'expired')
    .execute();
  // The app's own sweep runs every minute; the same jobs plugin with a short period, on the same database.
  const sweeperHost = Fastify({ logger: false });
  sweeperHost.decorate('db', app.db);
  await sweeperHost.register(fp(async () => {}, { name: 'database' }));
  await sweeperHost.register(backgroundJobs, { periods: { idempotencySweepMs: 20 } });
  await sweeperHost.ready();
  t.teardown(() => sweeperHost.close());
  for (let i = 0; i < 200; i++) {
    const keys = await app.db.selectFrom('idempotency_keys').select('key').where('user_id', '=', 'sweep-user').execute();
    if (keys.length === 1) break;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  const left = await app.db.selectFrom('idempotency_keys').select('key').where('user_id', '=', 'sweep-user').execute();
  t.same(
    left.map((r) => r.key),
    ['live'],
    'the expired key is gone, the live one stays',
  );
});
