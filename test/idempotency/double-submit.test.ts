// A double-submit: the same request with the same Idempotency-Key while the first is still in
// flight. The second must get 409 idempotency_key_in_progress at once (not wait, never write a
// second time), and a later retry the first one's answer.
//
// PostgreSQL: the first request is held mid-transaction for real (another connection holds a
// row lock its write needs), so the overlap is certain, not a matter of timing. PGlite has one
// connection, so requests cannot overlap there: the burst test shows they are serialized into
// one write and replays.
import t from 'tap';
import pg from 'pg';
import type { LightMyRequestResponse } from 'fastify';
import type { ErrorBody, Task } from '../support/types.js';
import { build, call, DATABASE_KIND, freshDatabase, POSTGRES_URL, countTasks as countTasksOf } from '../helper.js';
import { directClient as directClientTo } from '../support/postgres.js';

const database = await freshDatabase(t);
const app = await build(t, { database });

const countTasks = (user: string) => countTasksOf(app, user);

t.test(`a burst of 8 identical creates with one key makes one task (${DATABASE_KIND})`, async (t) => {
  const user = 'burst';
  const headers = { 'idempotency-key': 'burst-key' };
  const responses = await Promise.all(
    Array.from({ length: 8 }, () => call(app, { method: 'POST', url: '/api/tasks', as: user, headers, body: { title: 'Once' } })),
  );
  t.equal(await countTasks(user), 1, 'exactly one task');
  const fresh = responses.filter((r) => r.statusCode === 201 && r.headers['idempotent-replayed'] === undefined);
  t.equal(fresh.length, 1, 'one answer did the write');
  const others = responses.filter((r) => r !== fresh[0]);
  for (const r of others) {
    if (r.statusCode === 201) t.same([r.json(), r.headers['idempotent-replayed']], [fresh[0]!.json(), 'true'], 'a replay of it');
    else
      t.same(
        [r.statusCode, r.json<ErrorBody>().error, r.headers['retry-after']],
        [409, 'idempotency_key_in_progress', '1'],
        'or 409 while it ran',
      );
  }
  const later = await call(app, { method: 'POST', url: '/api/tasks', as: user, headers, body: { title: 'Once' } });
  t.same(
    [later.statusCode, later.headers['idempotent-replayed'], later.json<Task>().id],
    [201, 'true', fresh[0]!.json<Task>().id],
    'a later retry replays',
  );
  t.comment(
    `${DATABASE_KIND}: burst answers ${JSON.stringify(responses.map((r) => `${r.statusCode}${r.headers['idempotent-replayed'] ? ' replayed' : ''}`))}`,
  );
});

/** A direct connection (never through a pooler) to the app's own database. */
async function directClient(): Promise<pg.Client> {
  if (database.kind !== 'postgres') throw new Error('PostgreSQL only');
  return directClientTo(new URL(database.url).pathname.slice(1));
}

/** Waits until some backend of this database waits for a lock (the held request). */
async function untilBlocked(client: pg.Client): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const { rows } = await client.query<{ n: number }>(
      `select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock' and pid <> pg_backend_pid()`,
    );
    if (rows[0]!.n > 0) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error('the first request never blocked');
}

const realOverlap = {
  skip: POSTGRES_URL ? false : 'PGlite has a single connection: two requests cannot be in flight in the database at once',
};

t.test('PostgreSQL: the second of two overlapping creates with one key gets 409 at once; the first still wins', realOverlap, async (t) => {
  const user = 'overlap-create';
  await call(app, { method: 'GET', url: '/api/tasks', as: user }); // records the user row
  const locker = await directClient();
  t.teardown(() => locker.end());
  // The task insert checks its foreign key with FOR KEY SHARE on the user row; FOR UPDATE blocks that.
  await locker.query('begin');
  await locker.query('select id from users where id = $1 for update', [user]);
  const headers = { 'idempotency-key': 'overlap-key' };
  let firstDone = false;
  const first = call(app, { method: 'POST', url: '/api/tasks', as: user, headers, body: { title: 'Held' } }).finally(
    () => (firstDone = true),
  );
  await untilBlocked(locker);

  const started = performance.now();
  const second = await call(app, { method: 'POST', url: '/api/tasks', as: user, headers, body: { title: 'Held' } });
  const ms = performance.now() - started;
  t.equal(second.statusCode, 409, 'the double-submit: 409');
  t.equal(second.json<ErrorBody>().error, 'idempotency_key_in_progress');
  t.equal(second.headers['retry-after'], '1', 'with Retry-After');
  t.ok(ms < 2000, `answered without waiting for the first (${ms.toFixed(0)} ms)`);
  t.notOk(firstDone, 'the first is still in flight');
  const differentBody = await call(app, { method: 'POST', url: '/api/tasks', as: user, headers, body: { title: 'Other' } });
  t.equal(differentBody.statusCode, 409, 'any request with the key in flight is 409');

  await locker.query('commit');
  const firstRes: LightMyRequestResponse = await first;
  t.same([firstRes.statusCode, firstRes.headers['idempotent-replayed']], [201, undefined], 'the first completes: 201');
  const retry = await call(app, { method: 'POST', url: '/api/tasks', as: user, headers, body: { title: 'Held' } });
  t.same([retry.statusCode, retry.headers['idempotent-replayed'], retry.json()], [201, 'true', firstRes.json()], 'the retry replays it');
  t.equal(await countTasks(user), 1, 'one task');
});

t.test('PostgreSQL: a toggle retried while the first is in flight gets 409 and flips once', realOverlap, async (t) => {
  const user = 'overlap-toggle';
  const task = (await call(app, { method: 'POST', url: `/api/${user}/tasks`, as: user, body: { title: 'Flip me' } })).json<Task>();
  const url = `/api/${user}/tasks/${task.id}/complete`;
  const locker = await directClient();
  t.teardown(() => locker.end());
  await locker.query('begin');
  await locker.query('select id from tasks where id = $1 for update', [task.id]);
  const headers = { 'idempotency-key': 'toggle-key' };
  const first = call(app, { method: 'PATCH', url, as: user, headers });
  await untilBlocked(locker);
  const second = await call(app, { method: 'PATCH', url, as: user, headers });
  t.same([second.statusCode, second.json<ErrorBody>().error], [409, 'idempotency_key_in_progress']);
  await locker.query('commit');
  t.same([(await first).statusCode, (await first).json<Task>().completed], [200, true]);
  const retry = await call(app, { method: 'PATCH', url, as: user, headers });
  t.same([retry.headers['idempotent-replayed'], retry.json<Task>().completed], ['true', true], 'replayed');
  const final = (await call(app, { method: 'GET', url: `/api/${user}/tasks/${task.id}`, as: user })).json<Task>();
  t.same([final.completed, final.version], [true, 2], 'flipped exactly once');
});

t.test('PostgreSQL: a request whose connection died mid-transaction does not block its key', realOverlap, async (t) => {
  const user = 'overlap-crash';
  await call(app, { method: 'GET', url: '/api/tasks', as: user });
  const locker = await directClient();
  t.teardown(() => locker.end());
  await locker.query('begin');
  await locker.query('select id from users where id = $1 for update', [user]);
  const headers = { 'idempotency-key': 'crash-key' };
  const first = call(app, { method: 'POST', url: '/api/tasks', as: user, headers, body: { title: 'Doomed' } });
  await untilBlocked(locker);
  // Kill the held request's backend (as a crash of its server or connection would).
  await locker.query(
    `select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock' and pid <> pg_backend_pid()`,
  );
  const firstRes = await first;
  // Its connection's death is an unavailable database (src/db/unavailable.ts: 57P01 admin_shutdown).
  t.same([firstRes.statusCode, firstRes.json<ErrorBody>().error], [503, 'service_unavailable'], 'the held request failed with a 503');
  await locker.query('commit');
  const retry = await call(app, { method: 'POST', url: '/api/tasks', as: user, headers, body: { title: 'Doomed' } });
  t.same(
    [retry.statusCode, retry.headers['idempotent-replayed']],
    [201, undefined],
    'the retry runs: the dead transaction left no key and no lock',
  );
  t.equal(await countTasks(user), 1, 'one task');
});
