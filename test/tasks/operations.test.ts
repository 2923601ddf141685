// Every task operation × every status it declares that a test can produce, in both route
// families (/api/tasks… and /api/{user_id}/tasks…). Every request goes through call(), so each
// response is also checked against openapi.yaml (declared status, body schema, headers).
import { randomUUID } from 'node:crypto';
import t from 'tap';
import type { Test } from 'tap';
import type { LightMyRequestResponse } from 'fastify';
import type { components } from '../../generated/openapi.js';
import { build, call, type CallOptions } from '../helper.js';
import { families, type Family } from '../support/families.js';

type Task = components['schemas']['Task'];
type ErrorBody = components['schemas']['ApiError'];
type Method = CallOptions['method'];


const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const ISO_UTC = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

// This file sends dozens of deliberately unauthenticated requests from one address; the failed-auth
// rate limit (when configured) is not what it tests, so it is off here (0 disables it).
const app = await build(t, { env: { AUTH_RATE_LIMIT_MAX: '0' } });

async function create(t: Test, family: Family, user: string, body: Record<string, unknown> = { title: 'A task' }): Promise<Task> {
  const res = await call(app, { method: 'POST', url: family.collection(user), as: user, body });
  t.equal(res.statusCode, 201, `create ${JSON.stringify(body).slice(0, 60)}`);
  return res.json<Task>();
}

async function fetchTask(user: string, family: Family, id: string): Promise<LightMyRequestResponse> {
  return call(app, { method: 'GET', url: `${family.collection(user)}/${id}`, as: user });
}

/** Asserts a 422 validation_failed whose errors name the field at the location. */
function assertInvalid(t: Test, res: LightMyRequestResponse, where: 'body' | 'path' | 'query', field: string, label: string): void {
  t.equal(res.statusCode, 422, `${label}: 422`);
  if (res.statusCode !== 422) return;
  const body = res.json<ErrorBody>();
  t.equal(body.error, 'validation_failed', `${label}: code`);
  t.ok(
    (body.errors ?? []).some((e) => e.in === where && e.field === field),
    `${label}: errors name ${where}.${field} (got ${JSON.stringify(body.errors)})`,
  );
  t.type(body.detail, 'string', `${label}: detail is a sentence`);
}

function assertError(t: Test, res: LightMyRequestResponse, status: number, code: ErrorBody['error'], label: string): void {
  t.equal(res.statusCode, status, `${label}: ${status}`);
  t.equal(res.json<ErrorBody>().error, code, `${label}: ${code}`);
  t.equal(res.json<ErrorBody>().status, status, `${label}: status member`);
}

/** Every operation of the family, addressed at `taskId`, with a valid body where one is needed. */
function operations(family: Family, user: string, taskId: string): { op: string; method: Method; url: string; body?: unknown }[] {
  const collection = family.collection(user);
  const item = `${collection}/${taskId}`;
  return [
    { op: 'list', method: 'GET', url: collection },
    { op: 'create', method: 'POST', url: collection, body: { title: 'x' } },
    { op: 'get', method: 'GET', url: item },
    { op: 'replace', method: 'PUT', url: item, body: { title: 'x' } },
    { op: 'update', method: 'PATCH', url: item, body: { title: 'x' } },
    { op: 'complete', method: 'PATCH', url: `${item}/complete` },
    { op: 'delete', method: 'DELETE', url: item },
  ];
}

/** The operations that take a body. */
function bodyOperations(family: Family, user: string, taskId: string): { op: string; method: Method; url: string }[] {
  const collection = family.collection(user);
  return [
    { op: 'create', method: 'POST', url: collection },
    { op: 'replace', method: 'PUT', url: `${collection}/${taskId}` },
    { op: 'update', method: 'PATCH', url: `${collection}/${taskId}` },
    { op: 'complete', method: 'PATCH', url: `${collection}/${taskId}/complete` },
  ];
}

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
    t.same(Object.keys(task).sort(), ['completed', 'completed_at', 'created_at', 'description', 'due_at', 'id', 'priority', 'tags', 'title', 'updated_at', 'user_id', 'version']);

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
    const empty = await call(app, { method: 'POST', url: family.collection(user), as: user, payload: '', headers: { 'content-type': 'application/json' } });
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
    assertInvalid(t, await call(app, { method: 'POST', url, as: user, body: { description: 'no title' } }), 'body', 'title', 'title missing');
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
    assertInvalid(t, await call(app, { method: 'POST', url, as: user, body: { title: 't', description: 'd'.repeat(1001) } }), 'body', 'description', '1001 characters');
    assertInvalid(t, await call(app, { method: 'POST', url, as: user, body: { title: 't', description: 5 } }), 'body', 'description', 'a number');
    assertInvalid(t, await call(app, { method: 'POST', url, as: user, body: { title: 't', completed: 'yes' } }), 'body', 'completed', 'completed "yes"');
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

  t.test(`${family.name}: put replaces named fields and keeps omitted completed/description`, async (t) => {
    const user = userFor('put');
    const task = await create(t, family, user, { title: 'Before', description: 'keep me', completed: true });
    const item = `${family.collection(user)}/${task.id}`;

    await sleep(3);
    const titleOnly = await call(app, { method: 'PUT', url: item, as: user, body: { title: 'After' } });
    t.equal(titleOnly.statusCode, 200);
    t.match(titleOnly.json(), { id: task.id, user_id: user, title: 'After', description: 'keep me', completed: true, created_at: task.created_at });
    t.ok(Date.parse(titleOnly.json<Task>().updated_at) > Date.parse(task.updated_at), 'updated_at moved');

    const withDescription = await call(app, { method: 'PUT', url: item, as: user, body: { title: 'After', description: 'new' } });
    t.match(withDescription.json(), { title: 'After', description: 'new', completed: true }, '{title, description} does not lose completed');

    const clear = await call(app, { method: 'PUT', url: item, as: user, body: { title: 'Cleared', description: null, completed: false } });
    t.equal(clear.statusCode, 200);
    t.match(clear.json(), { title: 'Cleared', description: null, completed: false });
    t.same((await fetchTask(user, family, task.id)).json(), clear.json(), 'GET sees the replacement');

    assertInvalid(t, await call(app, { method: 'PUT', url: item, as: user, body: { description: 'no title' } }), 'body', 'title', 'title required');
    assertInvalid(t, await call(app, { method: 'PUT', url: item, as: user, body: { title: ' ' } }), 'body', 'title', 'blank title');
    assertInvalid(t, await call(app, { method: 'PUT', url: item, as: user, body: { title: 'x'.repeat(101) } }), 'body', 'title', '101-character title');
    assertInvalid(t, await call(app, { method: 'PUT', url: item, as: user, body: { title: 'x', description: 'd'.repeat(1001) } }), 'body', 'description', 'long description');
    assertInvalid(t, await call(app, { method: 'PUT', url: item, as: user, body: { title: 'x', completed: 1 } }), 'body', 'completed', 'completed 1');
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
    assertInvalid(t, await call(app, { method: 'PATCH', url: item, as: user, body: { description: 'd'.repeat(1001) } }), 'body', 'description', 'long description');
    assertInvalid(t, await call(app, { method: 'PATCH', url: item, as: user, body: { completed: 'yes' } }), 'body', 'completed', 'completed "yes"');
    assertInvalid(t, await call(app, { method: 'PATCH', url: item, as: user, body: [] }), 'body', '', 'an array body');
    assertInvalid(t, await call(app, { method: 'PATCH', url: item, as: user }), 'body', '', 'no body');
    t.same((await fetchTask(user, family, task.id)).json(), several, 'rejected PATCHes changed nothing');

    const missingId = `${family.collection(user)}/${randomUUID()}`;
    assertError(t, await call(app, { method: 'PATCH', url: missingId, as: user, body: { title: 'x' } }), 404, 'not_found', 'PATCH unknown id');
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
      t.ok(Date.parse(now.updated_at) > Date.parse(previous.updated_at), `${label}: updated_at moved (${previous.updated_at} → ${now.updated_at})`);
      t.equal(now.created_at, task.created_at, `${label}: created_at unchanged`);
      previous = now;
    }
    await sleep(3);
    t.same((await fetchTask(user, family, task.id)).json(), previous, 'GET does not move updated_at');
    t.same((await call(app, { method: 'PATCH', url: item, as: user, body: {} })).json(), previous, 'PATCH {} does not move updated_at');
  });

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
    t.equal((await complete({ payload: '', headers: { 'content-type': 'application/json' } })).completed, true, 'an empty JSON body toggles too');

    t.equal((await complete({ body: { completed: true } })).completed, true, 'set true on a true task: true');
    t.equal((await complete({ body: { completed: true } })).completed, true, 'set true again: still true (not a toggle)');
    t.equal((await complete({ body: { completed: false } })).completed, false, 'set false');
    t.equal((await complete({ body: { completed: false } })).completed, false, 'set false again: still false');
    t.equal((await fetchTask(user, family, task.id)).json<Task>().completed, false, 'GET agrees');

    assertInvalid(t, await call(app, { method: 'PATCH', url, as: user, body: { completed: 'yes' } }), 'body', 'completed', '"yes"');
    assertInvalid(t, await call(app, { method: 'PATCH', url, as: user, body: { completed: null } }), 'body', 'completed', 'null');
    assertInvalid(t, await call(app, { method: 'PATCH', url, as: user, body: {} }), 'body', 'completed', '{} (completed is required in a body)');
    assertInvalid(t, await call(app, { method: 'PATCH', url, as: user, body: { title: 'x' } }), 'body', 'title', 'another field');
    t.equal((await fetchTask(user, family, task.id)).json<Task>().completed, false, 'rejected requests changed nothing');

    const missing = `${family.collection(user)}/${randomUUID()}/complete`;
    assertError(t, await call(app, { method: 'PATCH', url: missing, as: user }), 404, 'not_found', 'toggle unknown id');
    assertError(t, await call(app, { method: 'PATCH', url: missing, as: user, body: { completed: true } }), 404, 'not_found', 'set unknown id');
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
    t.same(list.json<Task[]>().map((x) => x.id), [keep.id], 'only the other task is left');
  });

  t.test(`${family.name}: list filters, sorts, pages, and links the next page`, async (t) => {
    const user = userFor('list');
    const collection = family.collection(user);
    const titles = ['banana', 'Apple', 'cherry', 'date', 'Elderberry'];
    const byTitle: Record<string, Task> = {};
    for (const title of titles) byTitle[title] = await create(t, family, user, { title });
    await sleep(3);
    for (const title of ['Apple', 'date']) {
      const res = await call(app, { method: 'PATCH', url: `${collection}/${byTitle[title]!.id}/complete`, as: user });
      t.equal(res.json<Task>().completed, true);
      await sleep(3);
    }
    // Someone else's tasks must never show up.
    await create(t, family, userFor('list-other'), { title: 'aardvark' });

    const list = async (query: string) => {
      const res = await call(app, { method: 'GET', url: `${collection}${query}`, as: user });
      t.equal(res.statusCode, 200, `GET ?${query}`);
      return { titles: res.json<Task[]>().map((x) => x.title), link: res.headers.link as string | undefined, tasks: res.json<Task[]>() };
    };

    const all = await list('');
    t.same(all.titles, titles, 'default: all, by created_at ascending');
    t.ok(all.tasks.every((x) => x.user_id === user), 'only the caller’s tasks');
    t.equal(all.link, undefined, 'no Link when everything fits');
    t.same((await list('?status=all')).titles, titles);
    t.same((await list('?order=desc')).titles, [...titles].reverse(), 'order=desc');
    t.same((await list('?status=pending')).titles, ['banana', 'cherry', 'Elderberry'], 'status=pending');
    t.same((await list('?status=completed')).titles, ['Apple', 'date'], 'status=completed');
    t.same((await list('?sort=title')).titles, ['Apple', 'banana', 'cherry', 'date', 'Elderberry'], 'sort=title (case-insensitive)');
    t.same((await list('?sort=title&order=desc')).titles, ['Elderberry', 'date', 'cherry', 'banana', 'Apple'], 'sort=title&order=desc');
    t.same((await list('?sort=updated_at')).titles, ['banana', 'cherry', 'Elderberry', 'Apple', 'date'], 'sort=updated_at');
    t.same((await list('?status=completed&sort=title&order=desc')).titles, ['date', 'Apple'], 'filter and sort together');

    // Paging by 2 through 5 tasks: two full pages with a Link, a last page without.
    const nextOf = (link: string | undefined) => {
      const match = /^<([^>]+)>; rel="next"$/.exec(link ?? '');
      return match?.[1];
    };
    const page1 = await list('?limit=2');
    t.same(page1.titles, ['banana', 'Apple'], 'page 1');
    const next1 = nextOf(page1.link);
    t.ok(next1, `page 1 has a rel="next" Link (${page1.link})`);
    t.ok(next1?.startsWith(`${collection}?`), 'the Link stays in the family used');
    t.equal(new URL(next1 ?? '', 'http://x').searchParams.get('offset'), null, 'the Link pages by cursor, not offset');
    t.ok(new URL(next1 ?? '', 'http://x').searchParams.get('cursor'), 'the Link carries a cursor');
    t.equal(new URL(next1 ?? '', 'http://x').searchParams.get('limit'), '2');

    const page2res = await call(app, { method: 'GET', url: next1 ?? '', as: user });
    t.same(page2res.json<Task[]>().map((x) => x.title), ['cherry', 'date'], 'following the Link gives page 2');
    const next2 = nextOf(page2res.headers.link as string | undefined);
    t.ok(next2, 'page 2 has a Link');
    const page3res = await call(app, { method: 'GET', url: next2 ?? '', as: user });
    t.same(page3res.json<Task[]>().map((x) => x.title), ['Elderberry'], 'page 3');
    t.equal(page3res.headers.link, undefined, 'the last page has no Link');

    t.equal((await list('?limit=5')).link, undefined, 'a page that ends exactly at the last task has no Link');
    t.equal(nextOf((await list('?limit=4')).link) !== undefined, true, 'limit=4 of 5 has a Link');
    t.same((await list('?offset=3')).titles, ['date', 'Elderberry'], 'offset alone');
    t.same((await list('?offset=5')).titles, [], 'offset at the end: empty');
    t.same((await list('?offset=1000000')).titles, [], 'the largest offset: empty');
    t.same((await list('?limit=1000')).titles, titles, 'the largest limit');

    // The Link keeps the filter and the order.
    const pending1 = await list('?status=pending&sort=title&order=desc&limit=2');
    t.same(pending1.titles, ['Elderberry', 'cherry']);
    const pendingNext = nextOf(pending1.link);
    const params = new URL(pendingNext ?? '', 'http://x').searchParams;
    t.same([params.get('status'), params.get('sort'), params.get('order'), params.get('offset')], ['pending', 'title', 'desc', null]);
    t.ok(params.get('cursor'), 'with a cursor');
    const pending2 = await call(app, { method: 'GET', url: pendingNext ?? '', as: user });
    t.same(pending2.json<Task[]>().map((x) => x.title), ['banana'], 'the filtered next page');
    t.equal(pending2.headers.link, undefined);

    const empty = await call(app, { method: 'GET', url: family.collection(userFor('list-empty')), as: userFor('list-empty') });
    t.equal(empty.statusCode, 200);
    t.same(empty.json(), [], 'a user without tasks gets an empty array');
  });

  t.test(`${family.name}: invalid query values are 422 with in = query`, async (t) => {
    const user = userFor('query');
    const url = family.collection(user);
    const cases: [string, string][] = [
      ['status', 'done'],
      ['status', ''],
      ['sort', 'rank'],
      ['sort', 'TITLE'],
      ['order', 'up'],
      ['limit', '0'],
      ['limit', '1001'],
      ['limit', 'abc'],
      ['limit', '1.5'],
      ['limit', '-1'],
      ['offset', '-1'],
      ['offset', '1000001'],
      ['offset', 'x'],
    ];
    for (const [name, value] of cases) {
      const res = await call(app, { method: 'GET', url: `${url}?${name}=${encodeURIComponent(value)}`, as: user });
      assertInvalid(t, res, 'query', name, `${name}=${value}`);
      t.ok(res.json<ErrorBody>().errors?.every((e) => e.in === 'query'), `${name}=${value}: every error is in the query`);
    }
  });

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
    const charset = await call(app, { method: 'POST', url: family.collection(user), as: user, payload: '{"title":"utf8"}', headers: { 'content-type': 'application/json; charset=utf-8' } });
    t.equal(charset.statusCode, 201, 'application/json with a charset is accepted');
    t.same((await fetchTask(user, family, task.id)).json(), task, 'nothing changed');
  });
}

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
  const patched = await call(app, { method: 'PATCH', url: `${perUser.collection(user)}/${task.id}`, as: user, body: { title: 'Shared 2' } });
  t.same((await fetchTask(user, implied, task.id)).json(), patched.json());
  t.equal((await call(app, { method: 'DELETE', url: `${perUser.collection(user)}/${task.id}`, as: user })).statusCode, 204);
  t.equal((await fetchTask(user, implied, task.id)).statusCode, 404);
});

t.test('a JSON null body is a 422, never taken for "no body" (the toggle)', async (t) => {
  for (const family of families) {
    const user = `null-body-${family.name}`;
    const task = await create(t, family, user);
    const item = `${family.collection(user)}/${task.id}`;
    for (const [method, url] of [['PATCH', `${item}/complete`], ['POST', family.collection(user)], ['PUT', item], ['PATCH', item]] as const) {
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
