// ETag, If-None-Match and If-Match (RFC 9110 §13) on every task operation, in both route
// families: the tag is the version, reads answer 304, conditional writes answer 412 with the
// current ETag and write nothing, another user's task stays a 404, malformed headers are 422.
import t from 'tap';
import type { Test } from 'tap';
import type { LightMyRequestResponse } from 'fastify';
import type { ErrorBody, Task } from '../support/types.js';
import { build, call } from '../helper.js';
import { families, type Family } from '../support/families.js';

const app = await build(t);

async function create(t: Test, family: Family, user: string): Promise<Task> {
  const res = await call(app, {
    method: 'POST',
    url: family.collection(user),
    as: user,
    body: { title: 'Original', description: 'first' },
  });
  t.equal(res.statusCode, 201);
  t.equal(res.headers.etag, '"1"', 'create answers ETag "1"');
  t.equal(res.json<Task>().version, 1, 'a new task is at version 1');
  return res.json<Task>();
}

const stored = async (family: Family, user: string, id: string) =>
  (await call(app, { method: 'GET', url: `${family.collection(user)}/${id}`, as: user })).json<Task>();

function assert412(t: Test, res: LightMyRequestResponse, currentVersion: number, label: string): void {
  t.equal(res.statusCode, 412, `${label}: 412`);
  t.equal(res.json<ErrorBody>().error, 'precondition_failed', `${label}: precondition_failed`);
  t.equal(res.headers.etag, `"${currentVersion}"`, `${label}: the current ETag`);
}

for (const family of families) {
  const user = `cond-${family.name}`;
  const item = (id: string) => `${family.collection(user)}/${id}`;

  t.test(`${family.name}: every write moves the version and answers its ETag`, async (t) => {
    const task = await create(t, family, user);
    const got = await call(app, { method: 'GET', url: item(task.id), as: user });
    t.equal(got.headers.etag, '"1"');
    const put = await call(app, { method: 'PUT', url: item(task.id), as: user, body: { title: 'Put' } });
    t.same([put.statusCode, put.headers.etag, put.json<Task>().version], [200, '"2"', 2], 'PUT → version 2');
    const patch = await call(app, { method: 'PATCH', url: item(task.id), as: user, body: { description: null } });
    t.same([patch.statusCode, patch.headers.etag, patch.json<Task>().version], [200, '"3"', 3], 'PATCH → version 3');
    const empty = await call(app, { method: 'PATCH', url: item(task.id), as: user, body: {} });
    t.same([empty.statusCode, empty.headers.etag], [200, '"3"'], 'an empty PATCH writes nothing and keeps the version');
    const toggle = await call(app, { method: 'PATCH', url: `${item(task.id)}/complete`, as: user });
    t.same([toggle.statusCode, toggle.headers.etag], [200, '"4"'], 'toggle → version 4');
    const set = await call(app, { method: 'PATCH', url: `${item(task.id)}/complete`, as: user, body: { completed: true } });
    t.same([set.statusCode, set.headers.etag], [200, '"5"'], 'set → version 5, even when the value does not change');
    t.equal((await stored(family, user, task.id)).version, 5);
  });

  t.test(`${family.name}: GET with If-None-Match answers 304 with no body while the task is unchanged`, async (t) => {
    const task = await create(t, family, user);
    for (const header of ['"1"', '"9", "1"', 'W/"1"', '*']) {
      const res = await call(app, { method: 'GET', url: item(task.id), as: user, headers: { 'if-none-match': header } });
      t.equal(res.statusCode, 304, `If-None-Match: ${header} → 304`);
      t.equal(res.body, '', 'no body');
      t.equal(res.headers.etag, '"1"', 'with the ETag');
    }
    await call(app, { method: 'PATCH', url: item(task.id), as: user, body: { title: 'Changed' } });
    const after = await call(app, { method: 'GET', url: item(task.id), as: user, headers: { 'if-none-match': '"1"' } });
    t.equal(after.statusCode, 200, 'after a change the old tag no longer matches');
    t.equal(after.headers.etag, '"2"');
    const missing = await call(app, {
      method: 'GET',
      url: item('00000000-0000-4000-8000-000000000000'),
      as: user,
      headers: { 'if-none-match': '*' },
    });
    t.equal(missing.statusCode, 404, 'If-None-Match: * on a missing task is still 404');
  });

  t.test(`${family.name}: the list has a weak ETag over the page and honours If-None-Match`, async (t) => {
    const listUser = `${user}-list`;
    const url = `${family.collection(listUser)}?limit=2`;
    const empty = await call(app, { method: 'GET', url, as: listUser });
    t.match(empty.headers.etag, /^W\/"[A-Za-z0-9_-]+"$/, 'a weak tag');
    const a = await call(app, { method: 'POST', url: family.collection(listUser), as: listUser, body: { title: 'a' } });
    const first = await call(app, { method: 'GET', url, as: listUser });
    t.not(first.headers.etag, empty.headers.etag, 'a new task changes the tag');
    const same = await call(app, { method: 'GET', url, as: listUser, headers: { 'if-none-match': String(first.headers.etag) } });
    t.same([same.statusCode, same.body, same.headers.etag], [304, '', first.headers.etag], '304, no body, same tag');
    await call(app, {
      method: 'PATCH',
      url: `${family.collection(listUser)}/${a.json<Task>().id}`,
      as: listUser,
      body: { description: 'edited' },
    });
    const edited = await call(app, { method: 'GET', url, as: listUser, headers: { 'if-none-match': String(first.headers.etag) } });
    t.equal(edited.statusCode, 200, 'an edit of a listed task changes the tag');
    await call(app, { method: 'POST', url: family.collection(listUser), as: listUser, body: { title: 'b' } });
    await call(app, { method: 'POST', url: family.collection(listUser), as: listUser, body: { title: 'c' } });
    const full = await call(app, { method: 'GET', url, as: listUser });
    t.ok(full.headers.link, 'a next page exists');
    const other = `${user}-list-other`;
    await call(app, { method: 'POST', url: family.collection(other), as: other, body: { title: 'theirs' } });
    const unchanged = await call(app, { method: 'GET', url, as: listUser, headers: { 'if-none-match': String(full.headers.etag) } });
    t.equal(unchanged.statusCode, 304, "another user's write does not change this user's page");
  });

  t.test(`${family.name}: If-Match on PUT, PATCH, /complete and DELETE`, async (t) => {
    const task = await create(t, family, user);
    const writes = [
      { label: 'PUT', method: 'PUT' as const, url: item(task.id), body: { title: 'Lost update' } },
      { label: 'PATCH', method: 'PATCH' as const, url: item(task.id), body: { title: 'Lost update' } },
      { label: 'PATCH {}', method: 'PATCH' as const, url: item(task.id), body: {} },
      { label: 'toggle', method: 'PATCH' as const, url: `${item(task.id)}/complete` },
      { label: 'set', method: 'PATCH' as const, url: `${item(task.id)}/complete`, body: { completed: true } },
      { label: 'DELETE', method: 'DELETE' as const, url: item(task.id) },
    ];
    await call(app, { method: 'PATCH', url: item(task.id), as: user, body: { description: 'second' } }); // now at version 2
    for (const stale of ['"1"', '"1", "3"', 'W/"2"', '"abc"', '"99999999999"', '"2147483648"', '""']) {
      for (const w of writes) {
        const res = await call(app, {
          method: w.method,
          url: w.url,
          as: user,
          headers: { 'if-match': stale },
          ...(w.body ? { body: w.body } : {}),
        });
        assert412(t, res, 2, `${w.label} If-Match: ${stale}`);
      }
    }
    t.match(
      await stored(family, user, task.id),
      { title: 'Original', description: 'second', completed: false, version: 2 },
      'nothing was written',
    );

    const put = await call(app, { method: 'PUT', url: item(task.id), as: user, headers: { 'if-match': '"2"' }, body: { title: 'Edited' } });
    t.same([put.statusCode, put.headers.etag], [200, '"3"'], 'PUT with the current tag succeeds');
    const patch = await call(app, {
      method: 'PATCH',
      url: item(task.id),
      as: user,
      headers: { 'if-match': '"7", "3"' },
      body: { description: 'x' },
    });
    t.same([patch.statusCode, patch.headers.etag], [200, '"4"'], 'a list containing the current tag matches');
    const emptyPatch = await call(app, { method: 'PATCH', url: item(task.id), as: user, headers: { 'if-match': '"4"' }, body: {} });
    t.same([emptyPatch.statusCode, emptyPatch.headers.etag], [200, '"4"'], 'an empty PATCH with the current tag answers the task');
    const toggle = await call(app, { method: 'PATCH', url: `${item(task.id)}/complete`, as: user, headers: { 'if-match': '"4"' } });
    t.same([toggle.statusCode, toggle.json<Task>().completed], [200, true], 'toggle with the current tag');
    const star = await call(app, {
      method: 'PATCH',
      url: `${item(task.id)}/complete`,
      as: user,
      headers: { 'if-match': '*' },
      body: { completed: false },
    });
    t.same([star.statusCode, star.headers.etag], [200, '"6"'], 'If-Match: * on an existing task');
    const staleDelete = await call(app, { method: 'DELETE', url: item(task.id), as: user, headers: { 'if-match': '"5"' } });
    assert412(t, staleDelete, 6, 'DELETE with a stale tag');
    const del = await call(app, { method: 'DELETE', url: item(task.id), as: user, headers: { 'if-match': '"6"' } });
    t.equal(del.statusCode, 204, 'DELETE with the current tag');
    for (const header of ['*', '"6"']) {
      const gone = await call(app, { method: 'PUT', url: item(task.id), as: user, headers: { 'if-match': header }, body: { title: 'x' } });
      t.equal(gone.statusCode, 404, `If-Match: ${header} on a deleted task is 404`);
    }
  });

  t.test(`${family.name}: another user's task is a 404 with or without If-Match, exactly like a missing one`, async (t) => {
    const owner = `${user}-owner`;
    const intruder = `${user}-intruder`;
    const ownerCollection = family.collection(owner);
    const res = await call(app, { method: 'POST', url: ownerCollection, as: owner, body: { title: 'Private' } });
    const id = res.json<Task>().id;
    const theirs = `${family.collection(intruder)}/${id}`;
    const missing = (
      await call(app, { method: 'GET', url: `${family.collection(intruder)}/00000000-0000-4000-8000-000000000000`, as: intruder })
    ).json<ErrorBody>();
    delete missing.request_id;
    const variants: Record<string, string>[] = [
      {},
      { 'if-match': '"1"' },
      { 'if-match': '"2"' },
      { 'if-match': '*' },
      { 'if-none-match': '"1"' },
      { 'if-none-match': '*' },
    ];
    for (const headers of variants) {
      for (const [method, url, body] of [
        ['GET', theirs, undefined],
        ['PUT', theirs, { title: 'x' }],
        ['PATCH', theirs, { title: 'x' }],
        ['PATCH', `${theirs}/complete`, undefined],
        ['DELETE', theirs, undefined],
      ] as const) {
        const attempt = await call(app, { method, url, as: intruder, headers, ...(body ? { body } : {}) });
        t.equal(attempt.statusCode, 404, `${method} ${JSON.stringify(headers)} → 404`);
        t.equal(attempt.headers.etag, undefined, 'no ETag leaks');
        const got = attempt.json<ErrorBody>();
        delete got.request_id;
        t.same(got, missing, 'the same body as a task that does not exist');
      }
    }
    t.match(
      (await call(app, { method: 'GET', url: `${ownerCollection}/${id}`, as: owner })).json<Task>(),
      { title: 'Private', version: 1 },
      'untouched',
    );
  });

  t.test(`${family.name}: malformed If-Match and If-None-Match are 422 naming the header`, async (t) => {
    const task = await create(t, family, user);
    for (const [name, value] of [
      ['if-match', '1'],
      ['if-match', '"1'],
      ['if-match', '"1" "2"'],
      ['if-match', '**'],
      ['if-none-match', 'abc'],
      ['if-none-match', 'W/1'],
    ] as const) {
      const method = name === 'if-match' ? 'PUT' : 'GET';
      const res = await call(app, {
        method,
        url: item(task.id),
        as: user,
        headers: { [name]: value },
        ...(method === 'PUT' ? { body: { title: 'x' } } : {}),
      });
      t.equal(res.statusCode, 422, `${name}: ${value} → 422`);
      const body = res.json<ErrorBody>();
      t.equal(body.error, 'validation_failed');
      t.match(body.errors, [{ in: 'header', field: name, message: /entity tags/ }], 'the error names the header');
    }
    t.equal((await stored(family, user, task.id)).version, 1, 'nothing was written');
  });
}
