// Isolation: another user's task is answered exactly like a task that does not exist (404), on
// every operation in both families, and is left untouched; a path user_id that is not the caller
// is 403; users are recorded on first sight and their tasks cascade with them.
import { randomUUID } from 'node:crypto';
import t from 'tap';
import type { Test } from 'tap';
import type { LightMyRequestResponse } from 'fastify';
import type { ErrorBody, Task } from '../support/types.js';
import { build, call, tokenFor, type CallOptions } from '../helper.js';
import { families, type Family } from '../support/families.js';

const app = await build(t);

async function create(t: Test, user: string, body: Record<string, unknown>, family: Family = families[0]!): Promise<Task> {
  const res = await call(app, { method: 'POST', url: family.collection(user), as: user, body });
  t.equal(res.statusCode, 201, `${user} creates ${String(body.title)}`);
  return res.json<Task>();
}

async function tasksOf(user: string): Promise<Task[]> {
  const res = await call(app, { method: 'GET', url: '/api/tasks?limit=1000', as: user });
  return res.json<Task[]>();
}

/** The body with its request id blanked: what must be identical between two 404s. */
function withoutRequestId(res: LightMyRequestResponse): string {
  const { request_id: requestId } = res.json<ErrorBody>();
  return requestId === undefined ? res.body : res.body.split(JSON.stringify(requestId)).join('"<request-id>"');
}

/** The task-addressing operations B can attempt, each with a body that would otherwise succeed. */
function attempts(family: Family, caller: string, taskId: string): { op: string; options: CallOptions }[] {
  const item = `${family.collection(caller)}/${taskId}`;
  return [
    { op: 'get', options: { method: 'GET', url: item, as: caller } },
    { op: 'put', options: { method: 'PUT', url: item, as: caller, body: { title: 'hijacked', description: 'mine now', completed: true } } },
    { op: 'patch', options: { method: 'PATCH', url: item, as: caller, body: { title: 'hijacked' } } },
    { op: 'patch {}', options: { method: 'PATCH', url: item, as: caller, body: {} } },
    { op: 'complete (toggle)', options: { method: 'PATCH', url: `${item}/complete`, as: caller } },
    { op: 'complete (set)', options: { method: 'PATCH', url: `${item}/complete`, as: caller, body: { completed: true } } },
    { op: 'delete', options: { method: 'DELETE', url: item, as: caller } },
  ];
}

t.test('another user’s task is a 404 identical to a nonexistent task’s, on every operation, in both families', async (t) => {
  const a = 'iso-alice';
  const b = 'iso-bob';
  const aTasks = [
    await create(t, a, { title: 'Alice pending' }, families[0]),
    await create(t, a, { title: 'Alice done', description: 'secret', completed: true }, families[1]),
  ];
  const bTask = await create(t, b, { title: 'Bob’s own' });
  const aBefore = await tasksOf(a);
  t.equal(aBefore.length, 2);

  for (const family of families) {
    for (const target of aTasks) {
      const missingId = randomUUID();
      const theirs = attempts(family, b, target.id);
      const nobody = attempts(family, b, missingId);
      for (const [i, { op, options }] of theirs.entries()) {
        const res = await call(app, options);
        const missing = await call(app, nobody[i]!.options);
        const label = `${family.name} ${op} on ${target.title}`;
        t.equal(res.statusCode, 404, `${label}: 404`);
        t.equal(missing.statusCode, 404, `${label}: a nonexistent id is 404 too`);
        const body = res.json<ErrorBody>();
        const missingBody = missing.json<ErrorBody>();
        t.equal(body.error, 'not_found', `${label}: code`);
        t.equal(body.error, missingBody.error, `${label}: same error code as a nonexistent id`);
        t.equal(body.detail, missingBody.detail, `${label}: same detail as a nonexistent id`);
        t.equal(withoutRequestId(res), withoutRequestId(missing), `${label}: byte-identical body apart from the request id`);
        t.equal(res.headers['content-type'], missing.headers['content-type'], `${label}: same content type`);
        t.equal(res.headers['content-length'], missing.headers['content-length'], `${label}: same length`);
        t.notMatch(res.body, target.id, `${label}: the body does not echo the id`);
      }
    }
  }

  // B's lists, whatever the filter, never show A's tasks; B still sees B's own.
  const aIds = new Set(aTasks.map((x) => x.id));
  for (const family of families) {
    for (const query of [
      '',
      '?status=all',
      '?status=pending',
      '?status=completed',
      '?sort=title&order=desc',
      '?sort=updated_at&limit=1000',
      '?offset=0&limit=1',
    ]) {
      const res = await call(app, { method: 'GET', url: `${family.collection(b)}${query}`, as: b });
      t.equal(res.statusCode, 200);
      const list = res.json<Task[]>();
      t.notOk(
        list.some((x) => aIds.has(x.id) || x.user_id !== b),
        `${family.name} list${query}: none of A’s tasks`,
      );
      if (!query.includes('completed'))
        t.ok(
          list.some((x) => x.id === bTask.id),
          `${family.name} list${query}: B’s own task is there`,
        );
    }
  }

  // A's tasks are exactly as they were: same fields, same updated_at.
  t.same(await tasksOf(a), aBefore, 'A’s tasks are unchanged after every attempt');
  for (const task of aTasks) {
    for (const family of families) {
      const res = await call(app, { method: 'GET', url: `${family.collection(a)}/${task.id}`, as: a });
      t.same(res.json(), task, `${family.name}: A still reads ${task.title} unchanged`);
    }
  }
  const rows = await app.db.selectFrom('tasks').selectAll().where('user_id', '=', a).orderBy('created_at').execute();
  t.same(
    rows.map((r) => [r.id, r.title, r.description, r.completed, r.updated_at.toISOString()]),
    aBefore.map((x) => [x.id, x.title, x.description, x.completed, x.updated_at]),
    'the rows in the database are unchanged',
  );
  t.same(await tasksOf(b), [bTask], 'B gained nothing and lost nothing');
});

t.test('a path user_id that is not the caller is 403 on every operation, even with the owner’s real ids', async (t) => {
  const a = 'iso403-alice';
  const b = 'iso403-bob';
  const task = await create(t, a, { title: 'Alice only' });
  const before = await tasksOf(a);
  const collection = `/api/${a}/tasks`;
  const item = `${collection}/${task.id}`;
  const ops: { op: string; options: CallOptions }[] = [
    { op: 'list', options: { method: 'GET', url: collection } },
    { op: 'create', options: { method: 'POST', url: collection, body: { title: 'planted' } } },
    { op: 'get', options: { method: 'GET', url: item } },
    { op: 'put', options: { method: 'PUT', url: item, body: { title: 'hijacked' } } },
    { op: 'patch', options: { method: 'PATCH', url: item, body: { title: 'hijacked' } } },
    { op: 'complete (toggle)', options: { method: 'PATCH', url: `${item}/complete` } },
    { op: 'complete (set)', options: { method: 'PATCH', url: `${item}/complete`, body: { completed: true } } },
    { op: 'delete', options: { method: 'DELETE', url: item } },
  ];
  for (const { op, options } of ops) {
    const res = await call(app, { ...options, as: b });
    t.equal(res.statusCode, 403, `${op}: 403`);
    t.equal(res.json<ErrorBody>().error, 'forbidden', `${op}: forbidden`);
    t.notMatch(res.body, 'Alice only', `${op}: nothing of the task leaks`);
  }
  t.same(await tasksOf(a), before, 'A’s tasks are unchanged, and nothing was planted');
  t.same(await tasksOf(b), [], 'nothing was created for B either');
});

t.test('users are recorded on their first authenticated request, with the token’s email', async (t) => {
  const userRow = (id: string) => app.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();

  t.equal(await userRow('users-first'), undefined, 'not there before any request');
  t.equal((await call(app, { method: 'GET', url: '/api/tasks', as: 'users-first' })).statusCode, 200);
  const row = await userRow('users-first');
  t.match(row, { id: 'users-first', email: null }, 'recorded by a mere list, without an email');
  t.ok(row?.created_at instanceof Date, 'with a creation time');

  const withEmail = (sub: string, email: string) => `Bearer ${tokenFor(sub, { email })}`;
  t.equal(
    (await call(app, { method: 'GET', url: '/api/tasks', authorization: withEmail('users-mail', 'mail@example.com') })).statusCode,
    200,
  );
  t.match(await userRow('users-mail'), { email: 'mail@example.com' }, 'the email claim is stored');
  await call(app, { method: 'GET', url: '/api/tasks', authorization: withEmail('users-mail', 'new@example.com') });
  t.match(await userRow('users-mail'), { email: 'new@example.com' }, 'a changed email is updated');
  await call(app, { method: 'GET', url: '/api/tasks', as: 'users-mail' });
  t.match(await userRow('users-mail'), { email: 'new@example.com' }, 'a token without email does not erase it');
  t.equal((await app.db.selectFrom('users').select('id').where('id', '=', 'users-mail').execute()).length, 1, 'still one row');

  // An unauthenticated or refused request records nobody.
  const expired = `Bearer ${tokenFor('users-expired', {}, -3600)}`;
  t.equal((await call(app, { method: 'GET', url: '/api/tasks', authorization: expired })).statusCode, 401);
  t.equal(await userRow('users-expired'), undefined, 'an expired token records no user');
  t.equal((await call(app, { method: 'GET', url: '/api/users-someone/tasks', as: 'users-intruder' })).statusCode, 403);
  t.equal(await userRow('users-someone'), undefined, 'the path user of a 403 is not recorded');
});

t.test('deleting a user row deletes their tasks (cascade), and only theirs', async (t) => {
  const gone = 'users-cascade';
  const stays = 'users-cascade-neighbour';
  const tasks = [await create(t, gone, { title: 'one' }), await create(t, gone, { title: 'two' }, families[1])];
  const neighbour = await create(t, stays, { title: 'unaffected' });
  t.equal((await app.db.selectFrom('tasks').select('id').where('user_id', '=', gone).execute()).length, 2);

  const deleted = await app.db.deleteFrom('users').where('id', '=', gone).executeTakeFirst();
  t.equal(deleted.numDeletedRows, 1n);
  t.same(await app.db.selectFrom('tasks').select('id').where('user_id', '=', gone).execute(), [], 'their tasks are gone');
  t.same(await tasksOf(stays), [neighbour], 'another user’s tasks remain');
  for (const task of tasks) {
    t.equal((await call(app, { method: 'GET', url: `/api/tasks/${task.id}`, as: gone })).statusCode, 404, `${task.title}: 404 now`);
  }
  t.same(await tasksOf(gone), [], 'their list is empty');
});

t.test('a user whose row was deleted can create tasks again (the row is recorded anew)', async (t) => {
  const user = 'users-comeback';
  await create(t, user, { title: 'before' });
  await app.db.deleteFrom('users').where('id', '=', user).execute();
  const res = await call(app, { method: 'POST', url: '/api/tasks', as: user, body: { title: 'after' } });
  t.equal(res.statusCode, 201, `create after the user row was deleted (got ${res.statusCode} ${res.json<ErrorBody>().error})`);
  const row = await app.db.selectFrom('users').select('id').where('id', '=', user).executeTakeFirst();
  t.ok(row, 'the user is recorded again');
});
