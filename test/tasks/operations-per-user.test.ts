// The per-user route family (/api/{user_id}/tasks…): a user_id that is not the token subject (403),
// long and percent-encoded user ids, and one store behind both families.
// Every request goes through call(), so each response is also checked against openapi.yaml
// (declared status, body schema, headers). Shared setup: test/support/task-operations.ts.
import { randomUUID } from 'node:crypto';
import t from 'tap';
import { call } from '../helper.js';
import { families, type Family } from '../support/families.js';
import { assertError, buildOperationsApp, operations } from '../support/task-operations.js';
import type { Task } from '../support/types.js';

const { app, create, fetchTask } = await buildOperationsApp(t);

t.test('per-user: a user_id that is not the token subject is 403 on every operation', async (t) => {
  const family = families[1]!;
  const owner = 'per-user-403-owner';
  const task = await create(t, family, owner, { title: 'Owner’s' });
  for (const { op, method, url, body } of operations(family, owner, task.id)) {
    const res = await call(app, { method, url, as: 'per-user-403-intruder', ...(body !== undefined ? { body } : {}) });
    assertError(t, res, 403, 'forbidden', op);
  }
  // The 403 comes before validation and before the lookup: an unknown or malformed id is still 403.
  for (const id of [randomUUID(), 'not-a-uuid']) {
    const res = await call(app, { method: 'GET', url: `${family.collection(owner)}/${id}`, as: 'per-user-403-intruder' });
    assertError(t, res, 403, 'forbidden', `get ${id}`);
  }
  // Case matters: user ids are compared exactly.
  const upper = await call(app, { method: 'GET', url: family.collection(owner.toUpperCase()), as: owner });
  assertError(t, upper, 403, 'forbidden', 'user id in another case');
  const list = await call(app, { method: 'GET', url: family.collection(owner), as: owner });
  t.same(list.json(), [task], 'the owner’s tasks are as they were');
});

t.test('per-user: a 100-character user_id works', async (t) => {
  const user = 'u'.repeat(100);
  const created = await call(app, { method: 'POST', url: `/api/${user}/tasks`, as: user, body: { title: 'long id' } });
  t.equal(created.statusCode, 201);
  t.equal((await call(app, { method: 'GET', url: String(created.headers.location), as: user })).statusCode, 200);
});

t.test('per-user: user_ids of 101–255 characters work; 256 can never be a token subject', async (t) => {
  for (const n of [101, 255]) {
    const user = 'u'.repeat(n);
    const res = await call(app, { method: 'GET', url: `/api/${user}/tasks`, as: user });
    t.equal(res.statusCode, 200, `${n} characters`);
  }
  // A subject is at most 255 characters, so a 256-character path id is never the caller:
  // 403 with a valid token (authorization is decided before validation), 401 with a 256-character sub.
  const long = 'u'.repeat(256);
  t.equal((await call(app, { method: 'GET', url: `/api/${long}/tasks`, as: 'u'.repeat(255) })).statusCode, 403);
  t.equal((await call(app, { method: 'GET', url: `/api/${long}/tasks`, as: long })).statusCode, 401);
});

t.test('per-user: user ids with reserved characters work when percent-encoded', async (t) => {
  const family = families[1]!;
  for (const user of ['auth0|abc def', 'user@example.com', 'ünïcode-用户']) {
    const res = await call(app, { method: 'POST', url: family.collection(user), as: user, body: { title: 'encoded' } });
    t.equal(res.statusCode, 201, `${user}: create`);
    const task = res.json<Task>();
    t.equal(task.user_id, user);
    const got = await call(app, { method: 'GET', url: String(res.headers.location), as: user });
    t.equal(got.statusCode, 200, `${user}: GET on Location (${String(res.headers.location)})`);
    const both = await call(app, { method: 'GET', url: '/api/tasks', as: user });
    t.same(both.json(), [task], `${user}: the caller-implied family sees the same task`);
  }
});

t.test('both families are one store: a task made in one is served by the other', async (t) => {
  const user = 'cross-family';
  const [implied, perUser] = families as [Family, Family];
  const task = await create(t, implied, user, { title: 'Shared' });
  t.same((await fetchTask(user, perUser, task.id)).json(), task);
  const patched = await call(app, {
    method: 'PATCH',
    url: `${perUser.collection(user)}/${task.id}`,
    as: user,
    body: { title: 'Shared 2' },
  });
  t.same((await fetchTask(user, implied, task.id)).json(), patched.json());
  t.equal((await call(app, { method: 'DELETE', url: `${perUser.collection(user)}/${task.id}`, as: user })).statusCode, 204);
  t.equal((await fetchTask(user, implied, task.id)).statusCode, 404);
});
