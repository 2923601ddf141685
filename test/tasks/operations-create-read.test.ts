// Task operations, create and read, in both route families (/api/tasks… and /api/{user_id}/tasks…):
// create (201, defaults, title and description rules, unknown properties on every body) and get.
// Every request goes through call(), so each response is also checked against openapi.yaml
// (declared status, body schema, headers). Shared setup: test/support/task-operations.ts.
import { randomUUID } from 'node:crypto';
import t from 'tap';
import { call } from '../helper.js';
import { families } from '../support/families.js';
import { assertError, assertInvalid, buildOperationsApp, ISO_UTC, UUID, type Method } from '../support/task-operations.js';
import type { ErrorBody, Task } from '../support/types.js';

const { app, create, fetchTask } = await buildOperationsApp(t);

for (const family of families) {
  const userFor = (label: string) => `${family.name}-${label}`;

  t.test(`${family.name}: create → 201 with Location in this family, defaults, and GET on it`, async (t) => {
    const user = userFor('create');
    const before = Date.now();
    const res = await call(app, { method: 'POST', url: family.collection(user), as: user, body: { title: 'Buy milk' } });
    t.equal(res.statusCode, 201);
    const task = res.json<Task>();
    t.match(task.id, UUID, 'server-assigned uuid');
    t.equal(task.user_id, user, 'owner is the token subject');
    t.equal(task.title, 'Buy milk');
    t.equal(task.completed, false, 'completed defaults to false');
    t.equal(task.description, null, 'description defaults to null');
    t.match(task.created_at, ISO_UTC);
    t.match(task.updated_at, ISO_UTC);
    t.equal(task.created_at, task.updated_at, 'a new task has updated_at = created_at');
    t.ok(Math.abs(Date.parse(task.created_at) - before) < 60_000, 'created_at is now');
    t.same(Object.keys(task).sort(), [
      'completed',
      'completed_at',
      'created_at',
      'description',
      'due_at',
      'id',
      'priority',
      'tags',
      'title',
      'updated_at',
      'user_id',
      'version',
    ]);

    t.equal(res.headers.location, `${family.collection(user)}/${task.id}`, 'Location points at the task in the family used');
    const got = await call(app, { method: 'GET', url: String(res.headers.location), as: user });
    t.equal(got.statusCode, 200);
    t.same(got.json(), task, 'GET on Location returns the created task');

    const full = await create(t, family, user, { title: 'Full', description: 'With words', completed: true });
    t.equal(full.description, 'With words');
    t.equal(full.completed, true, 'completed can be set on create');
    const explicitNull = await create(t, family, user, { title: 'Null description', description: null });
    t.equal(explicitNull.description, null);
  });

  t.test(`${family.name}: a POST without a body is 422 (a JSON body is required)`, async (t) => {
    const user = userFor('no-body');
    const res = await call(app, { method: 'POST', url: family.collection(user), as: user });
    t.equal(res.statusCode, 422);
    t.equal(res.json<ErrorBody>().errors?.[0]?.in, 'body');
    const empty = await call(app, {
      method: 'POST',
      url: family.collection(user),
      as: user,
      payload: '',
      headers: { 'content-type': 'application/json' },
    });
    t.equal(empty.statusCode, 422, 'an empty JSON body counts as no body');
    const list = await call(app, { method: 'GET', url: family.collection(user), as: user });
    t.same(list.json(), [], 'nothing was created');
  });

  t.test(`${family.name}: title rules`, async (t) => {
    const user = userFor('title');
    const url = family.collection(user);
    const rejected: [string, unknown][] = [
      ['empty', ''],
      ['spaces only', '   '],
      ['white space only (tab, newline, nbsp)', '\t\n\u00a0 '],
      ['101 characters', 'x'.repeat(101)],
      ['101 emoji', '😀'.repeat(101)],
      ['a number', 42],
      ['null', null],
      ['an array', ['a']],
    ];
    for (const [label, title] of rejected) {
      assertInvalid(t, await call(app, { method: 'POST', url, as: user, body: { title } }), 'body', 'title', `title ${label}`);
    }
    assertInvalid(
      t,
      await call(app, { method: 'POST', url, as: user, body: { description: 'no title' } }),
      'body',
      'title',
      'title missing',
    );
    const blank = await call(app, { method: 'POST', url, as: user, body: { title: '   ' } });
    t.match(blank.json<ErrorBody>().errors, [{ in: 'body', field: 'title', message: 'must not be blank' }], 'blank title message');

    const accepted = ['x', 'x'.repeat(100), '😀'.repeat(100), 'é'.repeat(100), '  padded  ', '中文标题'];
    for (const title of accepted) {
      const task = await create(t, family, user, { title });
      t.equal(task.title, title, `title of ${[...title].length} characters kept as sent`);
      const again = await fetchTask(user, family, task.id);
      t.equal(again.json<Task>().title, title, 'and stored as sent');
    }
    const list = await call(app, { method: 'GET', url, as: user });
    t.equal(list.json<Task[]>().length, accepted.length, 'rejected titles created nothing');
  });

  t.test(`${family.name}: description rules`, async (t) => {
    const user = userFor('description');
    const url = family.collection(user);
    const long = await create(t, family, user, { title: 't', description: 'd'.repeat(1000) });
    t.equal(long.description, 'd'.repeat(1000), '1000 characters accepted');
    const emoji = await create(t, family, user, { title: 't', description: '🚀'.repeat(1000) });
    t.equal(emoji.description, '🚀'.repeat(1000), '1000 multi-byte characters accepted');
    const emptyString = await create(t, family, user, { title: 't', description: '' });
    t.equal(emptyString.description, '', 'an empty description is kept (not turned into null)');
    assertInvalid(
      t,
      await call(app, { method: 'POST', url, as: user, body: { title: 't', description: 'd'.repeat(1001) } }),
      'body',
      'description',
      '1001 characters',
    );
    assertInvalid(
      t,
      await call(app, { method: 'POST', url, as: user, body: { title: 't', description: 5 } }),
      'body',
      'description',
      'a number',
    );
    assertInvalid(
      t,
      await call(app, { method: 'POST', url, as: user, body: { title: 't', completed: 'yes' } }),
      'body',
      'completed',
      'completed "yes"',
    );
  });

  t.test(`${family.name}: unknown properties are rejected on every body (id, user_id, timestamps included)`, async (t) => {
    const user = userFor('unknown');
    const task = await create(t, family, user, { title: 'original' });
    const collection = family.collection(user);
    const item = `${collection}/${task.id}`;
    const extras: Record<string, unknown> = {
      id: randomUUID(),
      user_id: 'someone-else',
      created_at: '2000-01-01T00:00:00.000Z',
      updated_at: '2000-01-01T00:00:00.000Z',
      completed_at: '2000-01-01T00:00:00.000Z',
      rank: 1,
    };
    for (const [extra, value] of Object.entries(extras)) {
      const cases: [string, Method, string, Record<string, unknown>][] = [
        ['create', 'POST', collection, { title: 'x', [extra]: value }],
        ['replace', 'PUT', item, { title: 'x', [extra]: value }],
        ['update', 'PATCH', item, { [extra]: value }],
        ['complete', 'PATCH', `${item}/complete`, { completed: true, [extra]: value }],
      ];
      for (const [op, method, url, body] of cases) {
        const res = await call(app, { method, url, as: user, body });
        assertInvalid(t, res, 'body', extra, `${op} with ${extra}`);
        t.match(res.json<ErrorBody>().errors, [{ in: 'body', field: extra, message: 'is not allowed' }]);
      }
    }
    const after = await fetchTask(user, family, task.id);
    t.same(after.json(), task, 'the task is untouched by the rejected requests');
    const list = await call(app, { method: 'GET', url: collection, as: user });
    t.equal(list.json<Task[]>().length, 1, 'no task was created by a rejected POST');
  });

  t.test(`${family.name}: get → 200, 404 for an unknown id`, async (t) => {
    const user = userFor('get');
    const task = await create(t, family, user, { title: 'Read me', description: 'd' });
    const res = await fetchTask(user, family, task.id);
    t.equal(res.statusCode, 200);
    t.same(res.json(), task);
    const upper = await fetchTask(user, family, task.id.toUpperCase());
    t.equal(upper.statusCode, 200, 'an upper-case uuid names the same task');
    const missing = await fetchTask(user, family, randomUUID());
    assertError(t, missing, 404, 'not_found', 'unknown id');
    t.equal(missing.json<ErrorBody>().detail, 'Task not found.');
  });
}
