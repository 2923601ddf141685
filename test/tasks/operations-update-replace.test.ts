// Task operations, replace (PUT) and update (PATCH), in both route families (/api/tasks… and
// /api/{user_id}/tasks…), and how every change moves updated_at but never created_at.
// Every request goes through call(), so each response is also checked against openapi.yaml
// (declared status, body schema, headers). Shared setup: test/support/task-operations.ts.
import { randomUUID } from 'node:crypto';
import t from 'tap';
import { call } from '../helper.js';
import { families } from '../support/families.js';
import { assertError, assertInvalid, buildOperationsApp, sleep, type Method } from '../support/task-operations.js';
import type { Task } from '../support/types.js';

const { app, create, fetchTask } = await buildOperationsApp(t);

for (const family of families) {
  const userFor = (label: string) => `${family.name}-${label}`;

  t.test(`${family.name}: put replaces named fields and keeps omitted completed/description`, async (t) => {
    const user = userFor('put');
    const task = await create(t, family, user, { title: 'Before', description: 'keep me', completed: true });
    const item = `${family.collection(user)}/${task.id}`;

    await sleep(3);
    const titleOnly = await call(app, { method: 'PUT', url: item, as: user, body: { title: 'After' } });
    t.equal(titleOnly.statusCode, 200);
    t.match(titleOnly.json(), {
      id: task.id,
      user_id: user,
      title: 'After',
      description: 'keep me',
      completed: true,
      created_at: task.created_at,
    });
    t.ok(Date.parse(titleOnly.json<Task>().updated_at) > Date.parse(task.updated_at), 'updated_at moved');

    const withDescription = await call(app, { method: 'PUT', url: item, as: user, body: { title: 'After', description: 'new' } });
    t.match(
      withDescription.json(),
      { title: 'After', description: 'new', completed: true },
      '{title, description} does not lose completed',
    );

    const clear = await call(app, { method: 'PUT', url: item, as: user, body: { title: 'Cleared', description: null, completed: false } });
    t.equal(clear.statusCode, 200);
    t.match(clear.json(), { title: 'Cleared', description: null, completed: false });
    t.same((await fetchTask(user, family, task.id)).json(), clear.json(), 'GET sees the replacement');

    assertInvalid(
      t,
      await call(app, { method: 'PUT', url: item, as: user, body: { description: 'no title' } }),
      'body',
      'title',
      'title required',
    );
    assertInvalid(t, await call(app, { method: 'PUT', url: item, as: user, body: { title: ' ' } }), 'body', 'title', 'blank title');
    assertInvalid(
      t,
      await call(app, { method: 'PUT', url: item, as: user, body: { title: 'x'.repeat(101) } }),
      'body',
      'title',
      '101-character title',
    );
    assertInvalid(
      t,
      await call(app, { method: 'PUT', url: item, as: user, body: { title: 'x', description: 'd'.repeat(1001) } }),
      'body',
      'description',
      'long description',
    );
    assertInvalid(
      t,
      await call(app, { method: 'PUT', url: item, as: user, body: { title: 'x', completed: 1 } }),
      'body',
      'completed',
      'completed 1',
    );
    assertInvalid(t, await call(app, { method: 'PUT', url: item, as: user }), 'body', '', 'no body');
    t.same((await fetchTask(user, family, task.id)).json(), clear.json(), 'rejected PUTs changed nothing');

    const missing = await call(app, { method: 'PUT', url: `${family.collection(user)}/${randomUUID()}`, as: user, body: { title: 'x' } });
    assertError(t, missing, 404, 'not_found', 'PUT unknown id');
  });

  t.test(`${family.name}: patch changes only the named fields; null clears; {} changes nothing`, async (t) => {
    const user = userFor('patch');
    const task = await create(t, family, user, { title: 'Original', description: 'desc', completed: false });
    const item = `${family.collection(user)}/${task.id}`;
    const patch = async (body: unknown) => {
      const res = await call(app, { method: 'PATCH', url: item, as: user, body });
      t.equal(res.statusCode, 200, `PATCH ${JSON.stringify(body)}`);
      return res.json<Task>();
    };

    const unchanged = await patch({});
    t.same(unchanged, task, '{} returns the task as it is, updated_at included');

    await sleep(3);
    const titled = await patch({ title: 'Renamed' });
    t.match(titled, { title: 'Renamed', description: 'desc', completed: false, created_at: task.created_at });
    t.ok(Date.parse(titled.updated_at) > Date.parse(task.updated_at), 'updated_at moved');

    const done = await patch({ completed: true });
    t.match(done, { title: 'Renamed', description: 'desc', completed: true });

    const described = await patch({ description: 'new words' });
    t.match(described, { title: 'Renamed', description: 'new words', completed: true });

    const cleared = await patch({ description: null });
    t.match(cleared, { title: 'Renamed', description: null, completed: true }, 'description: null clears it');

    const several = await patch({ title: 'Both', completed: false });
    t.match(several, { title: 'Both', description: null, completed: false });

    t.same(await patch({}), several, '{} again: unchanged');
    t.same((await fetchTask(user, family, task.id)).json(), several, 'GET agrees');

    assertInvalid(t, await call(app, { method: 'PATCH', url: item, as: user, body: { title: '' } }), 'body', 'title', 'empty title');
    assertInvalid(t, await call(app, { method: 'PATCH', url: item, as: user, body: { title: '\t' } }), 'body', 'title', 'blank title');
    assertInvalid(t, await call(app, { method: 'PATCH', url: item, as: user, body: { title: null } }), 'body', 'title', 'null title');
    assertInvalid(
      t,
      await call(app, { method: 'PATCH', url: item, as: user, body: { description: 'd'.repeat(1001) } }),
      'body',
      'description',
      'long description',
    );
    assertInvalid(
      t,
      await call(app, { method: 'PATCH', url: item, as: user, body: { completed: 'yes' } }),
      'body',
      'completed',
      'completed "yes"',
    );
    assertInvalid(t, await call(app, { method: 'PATCH', url: item, as: user, body: [] }), 'body', '', 'an array body');
    assertInvalid(t, await call(app, { method: 'PATCH', url: item, as: user }), 'body', '', 'no body');
    t.same((await fetchTask(user, family, task.id)).json(), several, 'rejected PATCHes changed nothing');

    const missingId = `${family.collection(user)}/${randomUUID()}`;
    assertError(
      t,
      await call(app, { method: 'PATCH', url: missingId, as: user, body: { title: 'x' } }),
      404,
      'not_found',
      'PATCH unknown id',
    );
    assertError(t, await call(app, { method: 'PATCH', url: missingId, as: user, body: {} }), 404, 'not_found', 'PATCH {} on an unknown id');
  });

  t.test(`${family.name}: updated_at moves on every change, created_at never`, async (t) => {
    const user = userFor('timestamps');
    const task = await create(t, family, user, { title: 'Clock' });
    const item = `${family.collection(user)}/${task.id}`;
    const changes: [string, Method, string, unknown][] = [
      ['PUT', 'PUT', item, { title: 'Clock 2' }],
      ['PATCH', 'PATCH', item, { description: 'tick' }],
      ['toggle', 'PATCH', `${item}/complete`, undefined],
      ['set', 'PATCH', `${item}/complete`, { completed: false }],
    ];
    let previous = task;
    for (const [label, method, url, body] of changes) {
      await sleep(3);
      const res = await call(app, { method, url, as: user, ...(body !== undefined ? { body } : {}) });
      t.equal(res.statusCode, 200, label);
      const now = res.json<Task>();
      t.ok(
        Date.parse(now.updated_at) > Date.parse(previous.updated_at),
        `${label}: updated_at moved (${previous.updated_at} → ${now.updated_at})`,
      );
      t.equal(now.created_at, task.created_at, `${label}: created_at unchanged`);
      previous = now;
    }
    await sleep(3);
    t.same((await fetchTask(user, family, task.id)).json(), previous, 'GET does not move updated_at');
    t.same((await call(app, { method: 'PATCH', url: item, as: user, body: {} })).json(), previous, 'PATCH {} does not move updated_at');
  });
}
