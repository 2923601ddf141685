// Task operations, list: filters, sorts, pages and the next-page Link, and invalid query values,
// in both route families (/api/tasks… and /api/{user_id}/tasks…).
// Every request goes through call(), so each response is also checked against openapi.yaml
// (declared status, body schema, headers). Shared setup: test/support/task-operations.ts.
import t from 'tap';
import { call } from '../helper.js';
import { families } from '../support/families.js';
import { assertInvalid, buildOperationsApp, sleep } from '../support/task-operations.js';
import type { ErrorBody, Task } from '../support/types.js';

const { app, create } = await buildOperationsApp(t);

for (const family of families) {
  const userFor = (label: string) => `${family.name}-${label}`;

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
    t.ok(
      all.tasks.every((x) => x.user_id === user),
      'only the caller’s tasks',
    );
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
    t.same(
      page2res.json<Task[]>().map((x) => x.title),
      ['cherry', 'date'],
      'following the Link gives page 2',
    );
    const next2 = nextOf(page2res.headers.link as string | undefined);
    t.ok(next2, 'page 2 has a Link');
    const page3res = await call(app, { method: 'GET', url: next2 ?? '', as: user });
    t.same(
      page3res.json<Task[]>().map((x) => x.title),
      ['Elderberry'],
      'page 3',
    );
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
    t.same(
      pending2.json<Task[]>().map((x) => x.title),
      ['banana'],
      'the filtered next page',
    );
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
      t.ok(
        res.json<ErrorBody>().errors?.every((e) => e.in === 'query'),
        `${name}=${value}: every error is in the query`,
      );
    }
  });
}
