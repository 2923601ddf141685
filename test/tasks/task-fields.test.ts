// The task model v2's fields (priority, due_at, tags, completed_at) on every write operation, in
// both route families: defaults, normalisation, PUT keeping omitted fields, PATCH subsets, the
// server-managed completed_at, and a precise 422 naming each invalid field.
import t from 'tap';
import type { Test } from 'tap';
import type { ErrorBody, Task } from '../support/types.js';
import { build, call } from '../helper.js';
import { families, type Family } from '../support/families.js';

const app = await build(t);
let users = 0;
const userFor = (label: string) => `fields-${label}-${++users}`;

async function send(
  t: Test,
  method: 'POST' | 'PUT' | 'PATCH',
  url: string,
  user: string,
  body?: unknown,
  status = method === 'POST' ? 201 : 200,
): Promise<Task> {
  const res = await call(app, { method, url, as: user, ...(body !== undefined ? { body } : {}) });
  t.equal(
    res.statusCode,
    status,
    `${method} ${url} ${JSON.stringify(body)} → ${status}${res.statusCode === status ? '' : `: ${res.body}`}`,
  );
  return res.json<Task>();
}

function invalid(t: Test, res: { statusCode: number; json: <T>() => T }, field: string, message: string, label: string): void {
  t.equal(res.statusCode, 422, `${label}: 422`);
  const body = res.json<ErrorBody>();
  t.equal(body.error, 'validation_failed', `${label}: code`);
  t.ok(
    (body.errors ?? []).some((e) => e.in === 'body' && e.field === field && e.message === message),
    `${label}: body.${field} ${message} (got ${JSON.stringify(body.errors)})`,
  );
  t.match(body.detail, `body.${field} ${message}`, `${label}: the detail names it`);
}

for (const family of families) {
  t.test(`${family.name}: a task created without the new fields has their defaults`, async (t) => {
    const user = userFor('defaults');
    const task = await send(t, 'POST', family.collection(user), user, { title: 'plain' });
    t.match(task, { priority: 'medium', due_at: null, tags: [], completed_at: null, completed: false });
    const done = await send(t, 'POST', family.collection(user), user, { title: 'done', completed: true });
    t.ok(done.completed_at, 'created completed: completed_at is set');
    t.equal(done.completed_at, done.created_at, 'to the creation time');
  });

  t.test(`${family.name}: the new fields are written, normalised and returned in UTC`, async (t) => {
    const user = userFor('write');
    const task = await send(t, 'POST', family.collection(user), user, {
      title: 'full',
      priority: 'high',
      due_at: '2027-03-04T10:20:30.456+02:00',
      tags: ['  Work ', 'home', 'WORK', 'a,b'.replace(',', ''), 'Ünïcode'],
    });
    t.equal(task.priority, 'high');
    t.equal(task.due_at, '2027-03-04T08:20:30.456Z', 'any offset in, UTC Z out');
    t.same(task.tags, ['ab', 'home', 'work', 'ünïcode'], 'trimmed, lower-case, de-duplicated, sorted');
    const got = await call(app, { method: 'GET', url: `${family.collection(user)}/${task.id}`, as: user });
    t.same(got.json(), task, 'read back the same');
  });

  t.test(`${family.name}: PUT keeps omitted fields, PATCH changes any subset, null clears due_at`, async (t) => {
    const user = userFor('update');
    const item = (id: string) => `${family.collection(user)}/${id}`;
    const task = await send(t, 'POST', family.collection(user), user, {
      title: 't',
      priority: 'low',
      due_at: '2027-01-01T00:00:00Z',
      tags: ['x'],
    });
    const put = await send(t, 'PUT', item(task.id), user, { title: 'renamed', description: 'd' });
    t.match(
      put,
      { title: 'renamed', priority: 'low', due_at: '2027-01-01T00:00:00.000Z', tags: ['x'] },
      'an old-style PUT keeps the new fields',
    );
    const patched = await send(t, 'PATCH', item(task.id), user, { priority: 'high' });
    t.match(patched, { title: 'renamed', description: 'd', priority: 'high', due_at: '2027-01-01T00:00:00.000Z', tags: ['x'] });
    const cleared = await send(t, 'PATCH', item(task.id), user, { due_at: null, tags: [] });
    t.match(cleared, { priority: 'high', due_at: null, tags: [] }, 'due_at null clears it; tags [] empties the set');
    const replaced = await send(t, 'PUT', item(task.id), user, { title: 'again', tags: ['B', 'a'], due_at: '2028-02-29T12:00:00-05:00' });
    t.match(replaced, { tags: ['a', 'b'], due_at: '2028-02-29T17:00:00.000Z', priority: 'high' }, 'PUT replaces the tag set');
  });

  t.test(`${family.name}: completed_at is set when a task becomes completed and cleared when it becomes pending`, async (t) => {
    const user = userFor('completed-at');
    const item = (id: string) => `${family.collection(user)}/${id}`;
    const task = await send(t, 'POST', family.collection(user), user, { title: 't' });
    const toggled = await send(t, 'PATCH', `${item(task.id)}/complete`, user);
    t.equal(toggled.completed, true);
    t.ok(toggled.completed_at, 'toggle to completed sets it');
    t.equal(toggled.completed_at, toggled.updated_at, 'to the time of the change');
    const again = await send(t, 'PATCH', item(task.id), user, { completed: true, title: 'still done' });
    t.equal(again.completed_at, toggled.completed_at, 'completing a completed task keeps the original time');
    const put = await send(t, 'PUT', item(task.id), user, { title: 'no completed field' });
    t.equal(put.completed_at, toggled.completed_at, 'a PUT without completed keeps it');
    const pending = await send(t, 'PATCH', `${item(task.id)}/complete`, user, { completed: false });
    t.equal(pending.completed_at, null, 'becoming pending clears it');
    const viaPut = await send(t, 'PUT', item(task.id), user, { title: 'x', completed: true });
    t.ok(viaPut.completed_at, 'PUT completed: true sets it');
    const viaToggle = await send(t, 'PATCH', `${item(task.id)}/complete`, user);
    t.equal(viaToggle.completed_at, null, 'toggling back clears it');
    const viaPatch = await send(t, 'PATCH', item(task.id), user, { completed: true });
    t.ok(viaPatch.completed_at, 'PATCH completed: true sets it');
  });

  t.test(`${family.name}: every invalid new field is a 422 naming it`, async (t) => {
    const user = userFor('invalid');
    const collection = family.collection(user);
    const task = await send(t, 'POST', collection, user, { title: 't', tags: ['keep'] });
    const cases: [string, Record<string, unknown>, string, string][] = [
      ['priority', { priority: 'urgent' }, 'priority', 'must be one of: low, medium, high'],
      ['priority null', { priority: null }, 'priority', 'must be a string'],
      ['due_at', { due_at: 'tomorrow' }, 'due_at', 'must be a valid date-time'],
      ['due_at without offset', { due_at: '2027-01-01T00:00:00' }, 'due_at', 'must be a valid date-time'],
      ['tags not an array', { tags: 'work' }, 'tags', 'must be an array'],
      ['tags null', { tags: null }, 'tags', 'must be an array'],
      ['21 tags', { tags: Array.from({ length: 21 }, (_, i) => `t${i}`) }, 'tags', 'must have at most 20 items'],
      ['a long tag', { tags: ['a', 'b', 'c', 'x'.repeat(33)] }, 'tags.3', 'must be at most 32 characters'],
      ['an empty tag', { tags: [''] }, 'tags.0', 'must not be empty'],
      ['a blank tag', { tags: ['ok', '   '] }, 'tags.1', 'must not be blank or contain a comma'],
      ['a tag with a comma', { tags: ['a,b'] }, 'tags.0', 'must not be blank or contain a comma'],
      ['a tag with NUL', { tags: ['a\u0000b'] }, 'tags.0', 'must not contain the NUL character (U+0000)'],
      ['a tag that is a number', { tags: [1] }, 'tags.0', 'must be a string'],
      ['completed_at', { completed_at: null }, 'completed_at', 'is not allowed'],
    ];
    for (const [label, fields, field, message] of cases) {
      invalid(
        t,
        await call(app, { method: 'POST', url: collection, as: user, body: { title: 'x', ...fields } }),
        field,
        message,
        `create, ${label}`,
      );
      invalid(
        t,
        await call(app, { method: 'PUT', url: `${collection}/${task.id}`, as: user, body: { title: 'x', ...fields } }),
        field,
        message,
        `replace, ${label}`,
      );
      invalid(
        t,
        await call(app, { method: 'PATCH', url: `${collection}/${task.id}`, as: user, body: fields }),
        field,
        message,
        `update, ${label}`,
      );
    }
    const after = await call(app, { method: 'GET', url: `${collection}/${task.id}`, as: user });
    t.same(after.json(), task, 'no rejected request changed the task');
  });
}

t.test('20 tags of 32 characters are accepted, and tags are compared after normalisation', async (t) => {
  const family: Family = families[0]!;
  const user = userFor('limits');
  const tags = Array.from({ length: 20 }, (_, i) => `${String(i).padStart(2, '0')}${'x'.repeat(30)}`);
  const task = await send(t, 'POST', family.collection(user), user, { title: 't', tags });
  t.same(task.tags, tags);
  const dup = await send(t, 'POST', family.collection(user), user, { title: 't', tags: ['Same', 'same', ' SAME '] });
  t.same(dup.tags, ['same']);
});
