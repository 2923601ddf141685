// Task operations, complete (toggle or set) and delete, in both route families (/api/tasks… and
// /api/{user_id}/tasks…).
// Every request goes through call(), so each response is also checked against openapi.yaml
// (declared status, body schema, headers). Shared setup: test/support/task-operations.ts.
import { randomUUID } from 'node:crypto';
import t from 'tap';
import { call, type CallOptions } from '../helper.js';
import { families } from '../support/families.js';
import { assertError, assertInvalid, buildOperationsApp } from '../support/task-operations.js';
import type { Task } from '../support/types.js';

const { app, create, fetchTask } = await buildOperationsApp(t);

for (const family of families) {
  const userFor = (label: string) => `${family.name}-${label}`;

  t.test(`${family.name}: complete toggles without a body, sets with one`, async (t) => {
    const user = userFor('complete');
    const task = await create(t, family, user, { title: 'Toggle me', description: 'stays' });
    const url = `${family.collection(user)}/${task.id}/complete`;
    const complete = async (options: Partial<CallOptions> = {}) => {
      const res = await call(app, { method: 'PATCH', url, as: user, ...options });
      t.equal(res.statusCode, 200, `complete ${JSON.stringify(options)}`);
      return res.json<Task>();
    };

    t.equal((await complete()).completed, true, 'first toggle: true');
    const back = await complete();
    t.equal(back.completed, false, 'second toggle: back to false');
    t.match(back, { title: 'Toggle me', description: 'stays' }, 'a toggle touches nothing else');
    t.equal(
      (await complete({ payload: '', headers: { 'content-type': 'application/json' } })).completed,
      true,
      'an empty JSON body toggles too',
    );

    t.equal((await complete({ body: { completed: true } })).completed, true, 'set true on a true task: true');
    t.equal((await complete({ body: { completed: true } })).completed, true, 'set true again: still true (not a toggle)');
    t.equal((await complete({ body: { completed: false } })).completed, false, 'set false');
    t.equal((await complete({ body: { completed: false } })).completed, false, 'set false again: still false');
    t.equal((await fetchTask(user, family, task.id)).json<Task>().completed, false, 'GET agrees');

    assertInvalid(t, await call(app, { method: 'PATCH', url, as: user, body: { completed: 'yes' } }), 'body', 'completed', '"yes"');
    assertInvalid(t, await call(app, { method: 'PATCH', url, as: user, body: { completed: null } }), 'body', 'completed', 'null');
    assertInvalid(
      t,
      await call(app, { method: 'PATCH', url, as: user, body: {} }),
      'body',
      'completed',
      '{} (completed is required in a body)',
    );
    assertInvalid(t, await call(app, { method: 'PATCH', url, as: user, body: { title: 'x' } }), 'body', 'title', 'another field');
    t.equal((await fetchTask(user, family, task.id)).json<Task>().completed, false, 'rejected requests changed nothing');

    const missing = `${family.collection(user)}/${randomUUID()}/complete`;
    assertError(t, await call(app, { method: 'PATCH', url: missing, as: user }), 404, 'not_found', 'toggle unknown id');
    assertError(
      t,
      await call(app, { method: 'PATCH', url: missing, as: user, body: { completed: true } }),
      404,
      'not_found',
      'set unknown id',
    );
  });

  t.test(`${family.name}: delete → 204 without a body; then GET and DELETE are 404`, async (t) => {
    const user = userFor('delete');
    const task = await create(t, family, user, { title: 'Doomed' });
    const keep = await create(t, family, user, { title: 'Survivor' });
    const item = `${family.collection(user)}/${task.id}`;
    const res = await call(app, { method: 'DELETE', url: item, as: user });
    t.equal(res.statusCode, 204);
    t.equal(res.body, '', 'no body');
    assertError(t, await call(app, { method: 'GET', url: item, as: user }), 404, 'not_found', 'GET after DELETE');
    assertError(t, await call(app, { method: 'DELETE', url: item, as: user }), 404, 'not_found', 'second DELETE');
    assertError(t, await call(app, { method: 'PATCH', url: item, as: user, body: { title: 'x' } }), 404, 'not_found', 'PATCH after DELETE');
    const list = await call(app, { method: 'GET', url: family.collection(user), as: user });
    t.same(
      list.json<Task[]>().map((x) => x.id),
      [keep.id],
      'only the other task is left',
    );
  });
}
