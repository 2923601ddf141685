// Idempotency-Key on create and /complete, in both route families: a retry replays the first
// answer (status, body, Location, ETag) with Idempotent-Replayed: true and writes nothing; the
// same key for another request is 422 idempotency_key_reused; keys are per user; bad keys are 422
// naming the header; an error leaves the key free.
import t from 'tap';
import type { Test } from 'tap';
import type { LightMyRequestResponse } from 'fastify';
import type { ErrorBody, Task } from '../support/types.js';
import { build, call, tokenFor, countTasks as countTasksOf } from '../helper.js';
import { families, type Family } from '../support/families.js';

const app = await build(t);

const countTasks = (user: string) => countTasksOf(app, user);

function assertReplay(t: Test, first: LightMyRequestResponse, again: LightMyRequestResponse, label: string): void {
  t.equal(again.statusCode, first.statusCode, `${label}: same status`);
  t.same(again.json(), first.json(), `${label}: same body`);
  t.equal(again.headers.location, first.headers.location, `${label}: same Location`);
  t.equal(again.headers.etag, first.headers.etag, `${label}: same ETag`);
  t.equal(again.headers['idempotent-replayed'], 'true', `${label}: Idempotent-Replayed: true`);
}

const key = (label: string) => `key-${label}-${Math.random().toString(36).slice(2)}`;

for (const family of families) {
  const userFor = (label: string) => `idem-${family.name}-${label}`;
  const post = (user: string, idempotencyKey: string | undefined, body: unknown = { title: 'Buy milk' }, f: Family = family) =>
    call(app, {
      method: 'POST',
      url: f.collection(user),
      as: user,
      body,
      ...(idempotencyKey !== undefined ? { headers: { 'idempotency-key': idempotencyKey } } : {}),
    });

  t.test(`${family.name}: a create retried with its key is replayed, not repeated`, async (t) => {
    const user = userFor('create');
    const k = key('create');
    const first = await post(user, k);
    t.equal(first.statusCode, 201);
    t.equal(first.headers['idempotent-replayed'], undefined, 'the first answer is not a replay');
    t.equal(first.headers.etag, '"1"');
    for (let i = 0; i < 3; i++) assertReplay(t, first, await post(user, k), `retry ${i + 1}`);
    t.equal(await countTasks(user), 1, 'one task');
    const other = await post(user, key('create-2'));
    t.equal(other.statusCode, 201, 'another key creates another task');
    t.not(other.json<Task>().id, first.json<Task>().id);
    t.equal(await countTasks(user), 2);
    const none = await post(user, undefined);
    t.equal(none.statusCode, 201, 'without a key, a create is a create');
    t.equal(await countTasks(user), 3);
  });

  t.test(`${family.name}: body key order does not matter; a different body, path or method is 422 idempotency_key_reused`, async (t) => {
    const user = userFor('reuse');
    const k = key('reuse');
    const first = await post(user, k, { title: 'T', description: 'D' });
    assertReplay(t, first, await post(user, k, { description: 'D', title: 'T' }), 'reordered keys');
    const otherFamily = families.find((f) => f !== family)!;
    for (const [label, res] of [
      ['another body', await post(user, k, { title: 'T', description: 'other' })],
      ['another route family', await post(user, k, { title: 'T', description: 'D' }, otherFamily)],
      [
        'another operation',
        await call(app, {
          method: 'PATCH',
          url: `${family.collection(user)}/${first.json<Task>().id}/complete`,
          as: user,
          headers: { 'idempotency-key': k },
        }),
      ],
    ] as const) {
      t.equal(res.statusCode, 422, `${label}: 422`);
      t.equal(res.json<ErrorBody>().error, 'idempotency_key_reused', `${label}: idempotency_key_reused`);
    }
    t.equal(await countTasks(user), 1, 'nothing more was written');
    t.equal(
      (await call(app, { method: 'GET', url: `${family.collection(user)}/${first.json<Task>().id}`, as: user })).json<Task>().completed,
      false,
      'not toggled',
    );
  });

  t.test(`${family.name}: keys are per user: another user's identical key is independent and reveals nothing`, async (t) => {
    const [alice, bob] = [userFor('alice'), userFor('bob')];
    const k = key('shared');
    const a = await post(alice, k, { title: 'Alice secret' });
    const b = await post(bob, k, { title: 'Alice secret' });
    t.equal(b.statusCode, 201, "bob's request with alice's key and body is his own create");
    t.equal(b.headers['idempotent-replayed'], undefined, 'not a replay');
    t.not(b.json<Task>().id, a.json<Task>().id);
    t.equal(b.json<Task>().user_id, bob);
    t.notMatch(b.body + JSON.stringify(b.headers), a.json<Task>().id, "nothing of alice's task");
    const bDifferent = await post(bob, key('shared-x'), { title: 'x' });
    t.equal(bDifferent.statusCode, 201);
    const aReplay = await post(alice, k, { title: 'Alice secret' });
    assertReplay(t, a, aReplay, "alice's retry still replays hers");
    const bReuse = await post(bob, k, { title: 'other' });
    t.equal(bReuse.statusCode, 422, "bob reusing his key for another body: his 422, not alice's");
    t.equal(await countTasks(alice), 1);
    t.equal(await countTasks(bob), 2);
  });

  t.test(`${family.name}: /complete with a key: a retried toggle flips once`, async (t) => {
    const user = userFor('toggle');
    const task = (await post(user, undefined)).json<Task>();
    const url = `${family.collection(user)}/${task.id}/complete`;
    const k = key('toggle');
    const first = await call(app, { method: 'PATCH', url, as: user, headers: { 'idempotency-key': k } });
    t.same([first.statusCode, first.json<Task>().completed, first.headers.etag], [200, true, '"2"']);
    for (let i = 0; i < 3; i++)
      assertReplay(t, first, await call(app, { method: 'PATCH', url, as: user, headers: { 'idempotency-key': k } }), `retry ${i + 1}`);
    const stored = (await call(app, { method: 'GET', url: `${family.collection(user)}/${task.id}`, as: user })).json<Task>();
    t.same([stored.completed, stored.version], [true, 2], 'flipped once');
    const set = await call(app, { method: 'PATCH', url, as: user, headers: { 'idempotency-key': key('set') }, body: { completed: false } });
    t.equal(set.json<Task>().completed, false);
    const reuse = await call(app, { method: 'PATCH', url, as: user, headers: { 'idempotency-key': k }, body: { completed: false } });
    t.equal(reuse.json<ErrorBody>().error, 'idempotency_key_reused', 'the toggle key with a body is another request');
  });

  t.test(`${family.name}: an error stores nothing: the key is free for the retry`, async (t) => {
    const user = userFor('error');
    const task = (await post(user, undefined)).json<Task>();
    const url = `${family.collection(user)}/${task.id}/complete`;
    const k = key('error');
    const stale = await call(app, { method: 'PATCH', url, as: user, headers: { 'idempotency-key': k, 'if-match': '"9"' } });
    t.equal(stale.statusCode, 412, 'a failed precondition');
    const retry = await call(app, { method: 'PATCH', url, as: user, headers: { 'idempotency-key': k, 'if-match': '"1"' } });
    t.same([retry.statusCode, retry.headers['idempotent-replayed']], [200, undefined], 'the retry runs');
    const missing = `${family.collection(user)}/00000000-0000-4000-8000-000000000000/complete`;
    const k2 = key('missing');
    t.equal((await call(app, { method: 'PATCH', url: missing, as: user, headers: { 'idempotency-key': k2 } })).statusCode, 404);
    t.equal(
      (await call(app, { method: 'PATCH', url: missing, as: user, headers: { 'idempotency-key': k2 } })).statusCode,
      404,
      'a 404 is not replayed: it runs again',
    );
    const invalid = await post(user, key('invalid'), { title: '' });
    t.equal(invalid.statusCode, 422, 'an invalid body is refused before any key is recorded');
    const rows = await app.db.selectFrom('idempotency_keys').select('key').where('user_id', '=', user).execute();
    t.same(
      rows.map((r) => r.key),
      [k],
      'only the successful request left a key',
    );
  });

  t.test(`${family.name}: a key must be 1–255 visible ASCII characters, else 422 naming the header`, async (t) => {
    const user = userFor('syntax');
    for (const [label, bad] of [
      ['empty', ''],
      ['a space', 'two words'],
      ['256 characters', 'k'.repeat(256)],
      ['a tab', 'a\tb'],
    ] as const) {
      const res = await post(user, bad);
      t.equal(res.statusCode, 422, `${label}: 422`);
      t.match(
        res.json<ErrorBody>(),
        { error: 'validation_failed', errors: [{ in: 'header', field: 'idempotency-key' }] },
        `${label}: names the header`,
      );
    }
    // Sent as raw bytes (latin-1), as a client that does not encode the header would.
    const nonAscii = await app.inject({
      method: 'POST',
      url: family.collection(user),
      headers: { authorization: `Bearer ${tokenFor(user)}`, 'content-type': 'application/json', 'idempotency-key': 'cl\u00e9' },
      payload: '{"title":"x"}',
    });
    t.equal(nonAscii.statusCode, 422, 'non-ASCII: 422');
    t.equal(await countTasks(user), 0, 'nothing was created');
    for (const good of ['k', 'k'.repeat(255), '!~"#%&\'()*+,-./:;<=>?@[\\]^_`{|}']) {
      t.equal((await post(user, good)).statusCode, 201, `${good.slice(0, 20)}…(${good.length}): accepted`);
    }
  });
}

t.test('a keyed create still works when the user row was deleted after it was first recorded', async (t) => {
  const user = 'idem-recreated-user';
  t.equal((await call(app, { method: 'POST', url: '/api/tasks', as: user, body: { title: 'first' } })).statusCode, 201);
  await app.db.deleteFrom('users').where('id', '=', user).execute(); // cascades: tasks and keys gone
  const res = await call(app, {
    method: 'POST',
    url: '/api/tasks',
    as: user,
    headers: { 'idempotency-key': 'after-delete' },
    body: { title: 'again' },
  });
  t.same([res.statusCode, res.headers['idempotent-replayed']], [201, undefined], 'the user is recorded again and the create runs once');
  const replay = await call(app, {
    method: 'POST',
    url: '/api/tasks',
    as: user,
    headers: { 'idempotency-key': 'after-delete' },
    body: { title: 'again' },
  });
  t.equal(replay.headers['idempotent-replayed'], 'true');
  t.equal(await countTasks(user), 1);
});
