// Requests every task operation rejects, in both route families (/api/tasks… and /api/{user_id}/tasks…):
// a task_id that is not a uuid (422), malformed JSON (400), no token (401), a body over 16 KiB (413),
// a body that is not JSON (415), a JSON null body (422) and U+0000 in text (422).
// Every request goes through call(), so each response is also checked against openapi.yaml
// (declared status, body schema, headers). Shared setup: test/support/task-operations.ts.
import t from 'tap';
import { call } from '../helper.js';
import { families } from '../support/families.js';
import { assertError, assertInvalid, bodyOperations, buildOperationsApp, operations } from '../support/task-operations.js';
import type { Task } from '../support/types.js';

const { app, create, fetchTask } = await buildOperationsApp(t);

for (const family of families) {
  const userFor = (label: string) => `${family.name}-${label}`;

  t.test(`${family.name}: a task_id that is not a uuid is 422 with in = path`, async (t) => {
    const user = userFor('path');
    for (const bad of ['not-a-uuid', '123', '0b5d6e0c-8a3f-4f7e-9a43-6d5b2f1c9e1', '0b5d6e0c8a3f4f7e9a436d5b2f1c9e10x']) {
      for (const { op, method, url, body } of operations(family, user, bad).filter((o) => o.op !== 'list' && o.op !== 'create')) {
        const res = await call(app, { method, url, as: user, ...(body !== undefined ? { body } : {}) });
        assertInvalid(t, res, 'path', 'task_id', `${op} ${bad}`);
      }
    }
  });

  t.test(`${family.name}: malformed JSON is 400 on every operation with a body`, async (t) => {
    const user = userFor('malformed');
    const task = await create(t, family, user, { title: 'Intact' });
    for (const payload of ['{"title": ', '{title: "x"}', '{"title":"x"} trailing', "{'title':'x'}"]) {
      for (const { op, method, url } of bodyOperations(family, user, task.id)) {
        const res = await call(app, { method, url, as: user, payload, headers: { 'content-type': 'application/json' } });
        assertError(t, res, 400, 'malformed_json', `${op} ${payload}`);
      }
    }
    // A __proto__ key is valid JSON: an unknown property like any other (test/errors/bodies.test.ts).
    for (const { op, method, url } of bodyOperations(family, user, task.id)) {
      const payload = '{"__proto__": {"admin": true}, "title": "x"}';
      const res = await call(app, { method, url, as: user, payload, headers: { 'content-type': 'application/json' } });
      assertInvalid(t, res, 'body', '__proto__', `${op} ${payload}`);
    }
    t.same((await fetchTask(user, family, task.id)).json(), task, 'nothing changed');
    t.equal((await call(app, { method: 'GET', url: family.collection(user), as: user })).json<Task[]>().length, 1, 'nothing created');
  });

  t.test(`${family.name}: no token is 401 with a Bearer challenge on every operation`, async (t) => {
    const user = userFor('anonymous');
    const task = await create(t, family, user, { title: 'Mine' });
    for (const { op, method, url, body } of operations(family, user, task.id)) {
      const res = await call(app, { method, url, ...(body !== undefined ? { body } : {}) });
      assertError(t, res, 401, 'unauthorized', op);
      t.match(res.headers['www-authenticate'], /^Bearer /, `${op}: challenge`);
      const badToken = await call(app, { method, url, authorization: 'Bearer not.a.jwt', ...(body !== undefined ? { body } : {}) });
      assertError(t, badToken, 401, 'unauthorized', `${op} with a bad token`);
    }
    t.same((await fetchTask(user, family, task.id)).json(), task, 'the task is untouched');
  });

  t.test(`${family.name}: a body over 16 KiB is 413`, async (t) => {
    const user = userFor('large');
    const task = await create(t, family, user, { title: 'Small' });
    for (const { op, method, url } of bodyOperations(family, user, task.id)) {
      // Valid JSON, 16385 bytes: only the size is wrong.
      const overhead = JSON.stringify({ title: 'x', description: '' }).length;
      const big = JSON.stringify({ title: 'x', description: 'd'.repeat(16385 - overhead) });
      t.equal(Buffer.byteLength(big), 16385);
      const res = await call(app, { method, url, as: user, payload: big, headers: { 'content-type': 'application/json' } });
      assertError(t, res, 413, 'payload_too_large', op);
      // Exactly 16384 bytes passes the size check (and then fails validation: description too long).
      const limit = JSON.stringify({ title: 'x', description: 'd'.repeat(16384 - overhead) });
      t.equal(Buffer.byteLength(limit), 16384);
      const atLimit = await call(app, { method, url, as: user, payload: limit, headers: { 'content-type': 'application/json' } });
      t.equal(atLimit.statusCode, 422, `${op}: 16384 bytes is not too large`);
    }
    t.same((await fetchTask(user, family, task.id)).json(), task, 'nothing changed');
  });

  t.test(`${family.name}: a body that is not JSON is 415`, async (t) => {
    const user = userFor('media');
    const task = await create(t, family, user, { title: 'Plain' });
    const types = ['text/plain', 'application/x-www-form-urlencoded', 'text/html; charset=utf-8'];
    for (const contentType of types) {
      for (const { op, method, url } of bodyOperations(family, user, task.id)) {
        const payload = contentType.startsWith('application/x-www') ? 'title=x&completed=true' : '{"title":"x","completed":true}';
        const res = await call(app, { method, url, as: user, payload, headers: { 'content-type': contentType } });
        assertError(t, res, 415, 'unsupported_media_type', `${op} as ${contentType}`);
      }
    }
    const charset = await call(app, {
      method: 'POST',
      url: family.collection(user),
      as: user,
      payload: '{"title":"utf8"}',
      headers: { 'content-type': 'application/json; charset=utf-8' },
    });
    t.equal(charset.statusCode, 201, 'application/json with a charset is accepted');
    t.same((await fetchTask(user, family, task.id)).json(), task, 'nothing changed');
  });
}

t.test('a JSON null body is a 422, never taken for "no body" (the toggle)', async (t) => {
  for (const family of families) {
    const user = `null-body-${family.name}`;
    const task = await create(t, family, user);
    const item = `${family.collection(user)}/${task.id}`;
    for (const [method, url] of [
      ['PATCH', `${item}/complete`],
      ['POST', family.collection(user)],
      ['PUT', item],
      ['PATCH', item],
    ] as const) {
      const res = await call(app, { method, url, as: user, payload: 'null', headers: { 'content-type': 'application/json' } });
      assertInvalid(t, res, 'body', '', `${family.name}: ${method} ${url.replace(task.id, ':id')} with null`);
    }
    t.equal((await fetchTask(user, family, task.id)).json<Task>().completed, false, 'the task was not toggled');
  }
});

t.test('U+0000 in a title or description is a 422 (PostgreSQL text cannot hold it), never a 500', async (t) => {
  const user = 'nul-user';
  const task = await create(t, families[0]!, user);
  const item = `/api/tasks/${task.id}`;
  for (const [method, url, body, field] of [
    ['POST', '/api/tasks', { title: 'a\u0000b' }, 'title'],
    ['POST', '/api/tasks', { title: 'ok', description: '\u0000' }, 'description'],
    ['PUT', item, { title: '\u0000x' }, 'title'],
    ['PATCH', item, { description: 'x\u0000' }, 'description'],
  ] as const) {
    assertInvalid(t, await call(app, { method, url, as: user, body }), 'body', field, `${method} ${field} with U+0000`);
  }
});
