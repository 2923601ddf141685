// Keyset paging: walking every sort by cursor gives exactly the full list; a cursor is bound to
// its filters and sort (422 otherwise), cannot be combined with offset, and another user's cursor
// shows that user nothing but their own tasks; walking while others insert and delete never
// repeats a task and never skips one that existed throughout.
import t from 'tap';
import type { ErrorBody, Task } from '../support/types.js';
import { build, call } from '../helper.js';
import { families } from '../support/families.js';

const app = await build(t);
const nextOf = (link: unknown): string | undefined => /^<([^>]+)>; rel="next"$/.exec(String(link ?? ''))?.[1];

async function walk(url: string, user: string, between?: () => Promise<void>): Promise<{ tasks: Task[]; pages: number }> {
  const tasks: Task[] = [];
  let next: string | undefined = url;
  let pages = 0;
  while (next !== undefined) {
    const res = await call(app, { method: 'GET', url: next, as: user });
    if (res.statusCode !== 200) throw new Error(`${next}: ${res.statusCode} ${res.body}`);
    tasks.push(...res.json<Task[]>());
    next = nextOf(res.headers.link);
    pages++;
    if (between && next) await between();
    if (pages > 200) throw new Error('the walk does not end');
  }
  return { tasks, pages };
}

async function createMany(collection: string, user: string, n: number, start = 0): Promise<Task[]> {
  const out: Task[] = [];
  for (let i = start; i < start + n; i++) {
    const body = {
      title: ['Same', 'same', 'other', 'x%'][i % 4]!,
      priority: (['low', 'medium', 'high'] as const)[i % 3],
      due_at: i % 5 === 0 ? null : new Date(Date.UTC(2027, 0, 1 + (i % 4))).toISOString(),
      tags: i % 2 ? ['odd'] : [],
      completed: i % 7 === 0,
    };
    const res = await call(app, { method: 'POST', url: collection, as: user, body });
    if (res.statusCode !== 201) throw new Error(res.body);
    out.push(res.json<Task>());
  }
  return out;
}

for (const family of families) {
  t.test(`${family.name}: a cursor walk over every sort and order returns the full list, each task once`, async (t) => {
    const user = `walk-${family.name}`;
    const collection = family.collection(user);
    await createMany(collection, user, 23);
    for (const sort of ['created_at', 'updated_at', 'title', 'priority', 'due_at']) {
      for (const order of ['asc', 'desc']) {
        for (const filter of ['', '&tag=odd', '&status=pending&priority=low,high']) {
          const base = `${collection}?sort=${sort}&order=${order}${filter}`;
          const full = (await call(app, { method: 'GET', url: `${base}&limit=1000`, as: user })).json<Task[]>();
          const { tasks, pages } = await walk(`${base}&limit=4`, user);
          t.same(
            tasks.map((x) => x.id),
            full.map((x) => x.id),
            `${sort} ${order}${filter}: ${pages} pages = the one-page list`,
          );
        }
      }
    }
  });

  t.test(`${family.name}: a cursor is bound to its filters and sort; malformed is 422; not with offset`, async (t) => {
    const user = `bound-${family.name}`;
    const collection = family.collection(user);
    await createMany(collection, user, 5);
    const first = await call(app, { method: 'GET', url: `${collection}?sort=title&tag=odd&limit=1`, as: user });
    const cursor = new URL(nextOf(first.headers.link)!, 'http://x').searchParams.get('cursor')!;
    t.ok(cursor, 'a cursor');
    const ok = await call(app, { method: 'GET', url: `${collection}?tag=ODD&sort=title&limit=7&cursor=${cursor}`, as: user });
    t.equal(ok.statusCode, 200, 'the same filters (normalised) with another limit: fine');
    const others = [
      'sort=created_at&tag=odd',
      'sort=title',
      'sort=title&tag=odd&order=desc',
      'sort=title&tag=odd&status=pending',
      'sort=title&tag=odd&q=x',
      'sort=title&tag=odd&overdue=true',
    ];
    for (const query of others) {
      const res = await call(app, { method: 'GET', url: `${collection}?${query}&cursor=${cursor}`, as: user });
      t.equal(res.statusCode, 422, `${query}: 422`);
      t.match(res.json<ErrorBody>().errors, [{ in: 'query', field: 'cursor' }]);
    }
    const forged = (parts: unknown) => Buffer.from(JSON.stringify(parts)).toString('base64url');
    const decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString()) as [string, string, string];
    for (const bad of [
      'x',
      '!!!!',
      forged({}),
      forged([decoded[0], decoded[1], 'not-a-uuid']),
      forged([decoded[0], 'a\u0000', decoded[2]]),
      forged([decoded[0], 'x'.repeat(101), decoded[2]]),
      forged([decoded[0], 5, decoded[2]]),
    ]) {
      const res = await call(app, { method: 'GET', url: `${collection}?sort=title&tag=odd&cursor=${encodeURIComponent(bad)}`, as: user });
      t.equal(res.statusCode, 422, `malformed ${bad.slice(0, 20)}: 422`);
      t.match(res.json<ErrorBody>().errors, [{ in: 'query', field: 'cursor' }]);
    }
    for (const [sort, key] of [
      ['created_at', '99999999999999999999'],
      ['created_at', '1e5'],
      ['due_at', 'infinity'],
      ['priority', 'urgent'],
    ] as const) {
      const good = await call(app, { method: 'GET', url: `${collection}?sort=${sort}&limit=1`, as: user });
      const c = JSON.parse(
        Buffer.from(new URL(nextOf(good.headers.link)!, 'http://x').searchParams.get('cursor')!, 'base64url').toString(),
      ) as string[];
      const res = await call(app, { method: 'GET', url: `${collection}?sort=${sort}&cursor=${forged([c[0], key, c[2]])}`, as: user });
      t.equal(res.statusCode, 422, `a forged ${sort} key ${key}: 422, never a database error`);
    }
    const both = await call(app, { method: 'GET', url: `${collection}?sort=title&tag=odd&offset=1&cursor=${cursor}`, as: user });
    t.equal(both.statusCode, 422, 'offset with cursor: 422');
    t.match(both.json<ErrorBody>().errors, [{ in: 'query', field: 'offset' }]);
  });

  t.test(`${family.name}: another user's cursor shows them only their own tasks`, async (t) => {
    const [alice, mallory] = [`cur-alice-${family.name}`, `cur-mallory-${family.name}`];
    const aliceTasks = await createMany(family.collection(alice), alice, 6);
    const malloryTasks = await createMany(family.collection(mallory), mallory, 3);
    const first = await call(app, { method: 'GET', url: `${family.collection(alice)}?limit=2`, as: alice });
    const cursor = new URL(nextOf(first.headers.link)!, 'http://x').searchParams.get('cursor')!;
    const res = await call(app, { method: 'GET', url: `${family.collection(mallory)}?limit=1000&cursor=${cursor}`, as: mallory });
    t.equal(res.statusCode, 200);
    const got = res.json<Task[]>();
    t.ok(
      got.every((x) => x.user_id === mallory),
      'only the presenter’s tasks',
    );
    t.notOk(
      aliceTasks.some((a) => res.body.includes(a.id) || res.body.includes(alice)),
      'nothing of alice',
    );
    t.ok(got.length <= malloryTasks.length);
  });

  t.test(`${family.name}: walking while others insert and delete never repeats and never skips a survivor`, async (t) => {
    const user = `churn-${family.name}`;
    const collection = family.collection(user);
    const initial = await createMany(collection, user, 30);
    const deleted = new Set<string>();
    let round = 0;
    for (const sort of ['created_at', 'title', 'priority', 'due_at']) {
      for (const order of ['asc', 'desc']) {
        const { tasks } = await walk(`${collection}?sort=${sort}&order=${order}&limit=3`, user, async () => {
          // Between pages: one new task and one deletion of a task not yet deleted, concurrently.
          round++;
          const victim = initial.find((x, i) => i % 3 === round % 3 && !deleted.has(x.id));
          await Promise.all([
            createMany(collection, user, 1, 1000 + round),
            victim
              ? call(app, { method: 'DELETE', url: `${collection}/${victim.id}`, as: user }).then(() => deleted.add(victim.id))
              : undefined,
          ]);
        });
        const ids = tasks.map((x) => x.id);
        t.equal(new Set(ids).size, ids.length, `${sort} ${order}: no task twice`);
        const survivors = initial.filter((x) => !deleted.has(x.id)).map((x) => x.id);
        t.same(
          survivors.filter((id) => !ids.includes(id)),
          [],
          `${sort} ${order}: every task that existed throughout is there`,
        );
      }
    }
  });
}
