// The list's filters and sorts, and the stats, in both route families: every filter alone and
// combined with status, each sort in both orders with ties by id, search with literal % and _.
import t from 'tap';
import type { Test } from 'tap';
import type { ErrorBody, Task } from '../support/types.js';
import { build, call } from '../helper.js';
import { families, type Family } from '../support/families.js';

const app = await build(t);
const HOUR = 3600_000;
const iso = (offsetHours: number) => new Date(Date.now() + offsetHours * HOUR).toISOString();

/** Six tasks covering every priority, past/future/no due date, tags, and the characters % and _. */
async function seed(t: Test, family: Family, user: string): Promise<Record<string, Task>> {
  const specs: Record<string, Record<string, unknown>> = {
    a: { title: 'alpha 100% done', priority: 'high', due_at: iso(-48), tags: ['work'] },
    b: { title: 'Bravo', description: 'has_underscore', priority: 'low', due_at: iso(24), tags: ['home', 'work'] },
    c: { title: 'charlie', priority: 'medium', tags: ['home'], completed: true, due_at: iso(-24) },
    d: { title: 'delta', description: 'plain 100 percent', priority: 'high' },
    e: { title: 'Echo', priority: 'low', due_at: iso(-1) },
    f: { title: 'foxtrot', priority: 'medium', due_at: iso(24), tags: ['urgent', 'work'] },
  };
  const out: Record<string, Task> = {};
  for (const [name, body] of Object.entries(specs)) {
    const res = await call(app, { method: 'POST', url: family.collection(user), as: user, body });
    t.equal(res.statusCode, 201, `seed ${name}`);
    out[name] = res.json<Task>();
  }
  return out;
}

for (const family of families) {
  t.test(`${family.name}: filters, alone and combined`, async (t) => {
    const user = `filters-${family.name}`;
    const tasks = await seed(t, family, user);
    const nameOf = new Map(Object.entries(tasks).map(([name, task]) => [task.id, name]));
    const names = async (query: string): Promise<string[]> => {
      const res = await call(app, { method: 'GET', url: `${family.collection(user)}?${query}`, as: user });
      t.equal(res.statusCode, 200, `${query}: 200 (${res.statusCode === 200 ? '' : res.body})`);
      return res
        .json<Task[]>()
        .map((task) => nameOf.get(task.id)!)
        .sort();
    };
    t.same(await names('priority=high'), ['a', 'd']);
    t.same(await names('priority=high,low'), ['a', 'b', 'd', 'e'], 'a comma-separated list');
    t.same(await names('priority=low&status=pending'), ['b', 'e']);
    t.same(await names('tag=work'), ['a', 'b', 'f']);
    t.same(await names('tag=work&tag=home'), ['b'], 'every given tag');
    t.same(await names('tag=%20WORK%20&tag=Urgent'), ['f'], 'tags compared after normalisation');
    t.same(await names('tag=nothing'), []);
    t.same(await names('q=ALPHA'), ['a'], 'case-insensitive');
    t.same(await names('q=100%25'), ['a'], '% matches itself only');
    t.same(await names('q=100'), ['a', 'd'], 'title or description');
    t.same(await names('q=s_u'), ['b'], '_ matches itself only');
    t.same(await names('q=_'), ['b']);
    t.same(await names('q=%5C'), [], 'a backslash matches itself only');
    t.same(await names(`due_before=${encodeURIComponent(iso(0))}`), ['a', 'c', 'e'], 'due_before excludes tasks without a due date');
    t.same(await names(`due_after=${encodeURIComponent(iso(0))}`), ['b', 'f']);
    t.same(await names(`due_after=${encodeURIComponent(iso(-30))}&due_before=${encodeURIComponent(iso(1))}`), ['c', 'e']);
    t.same(await names('overdue=true'), ['a', 'e'], 'overdue: due before now and not completed');
    t.same(await names('overdue=false'), ['a', 'b', 'c', 'd', 'e', 'f'], 'overdue=false does not filter');
    t.same(await names('overdue=true&priority=high&tag=work&q=alpha&status=pending'), ['a'], 'all combined');
    t.same(await names('status=completed&tag=home'), ['c']);

    const stats = await call(app, { method: 'GET', url: `${family.collection(user)}/stats`, as: user });
    t.equal(stats.statusCode, 200);
    t.same(stats.json(), { total: 6, completed: 1, pending: 5, overdue: 2, by_priority: { low: 2, medium: 2, high: 2 } });
    const empty = await call(app, { method: 'GET', url: `${family.collection(`${user}-none`)}/stats`, as: `${user}-none` });
    t.same(
      empty.json(),
      { total: 0, completed: 0, pending: 0, overdue: 0, by_priority: { low: 0, medium: 0, high: 0 } },
      'a user without tasks',
    );
  });

  t.test(`${family.name}: sorts, both orders, ties by id`, async (t) => {
    const user = `sorts-${family.name}`;
    const tasks = await seed(t, family, user);
    // Two more with the same priority and due date as others: ties.
    for (const body of [
      { title: 'alpha 100% DONE', priority: 'high', due_at: tasks.b!.due_at },
      { title: 'zulu', priority: 'low' },
    ]) {
      t.equal((await call(app, { method: 'POST', url: family.collection(user), as: user, body })).statusCode, 201);
    }
    const all = (await call(app, { method: 'GET', url: family.collection(user), as: user })).json<Task[]>();
    const rank = { low: 0, medium: 1, high: 2 };
    const byId = (a: Task, b: Task) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
    const due = (task: Task) => (task.due_at === null ? null : Date.parse(task.due_at));
    const comparators: Record<string, (a: Task, b: Task) => number> = {
      priority: (a, b) => rank[a.priority] - rank[b.priority],
      due_at: (a, b) => (due(a) ?? 0) - (due(b) ?? 0),
      created_at: (a, b) => Date.parse(a.created_at) - Date.parse(b.created_at),
    };
    for (const [sort, compare] of Object.entries(comparators)) {
      for (const order of ['asc', 'desc'] as const) {
        const res = await call(app, { method: 'GET', url: `${family.collection(user)}?sort=${sort}&order=${order}`, as: user });
        const got = res.json<Task[]>();
        const sign = order === 'asc' ? 1 : -1;
        const expected = [...all].sort((a, b) => {
          if (sort === 'due_at' && (due(a) === null) !== (due(b) === null)) return due(a) === null ? 1 : -1; // no due date last, either order
          return sign * (compare(a, b) || byId(a, b));
        });
        t.same(
          got.map((x) => x.id),
          expected.map((x) => x.id),
          `sort=${sort}&order=${order}`,
        );
      }
    }
    const titles = (await call(app, { method: 'GET', url: `${family.collection(user)}?sort=title`, as: user }))
      .json<Task[]>()
      .map((x) => x.title);
    t.same(
      titles.map((x) => x.toLowerCase()),
      [...titles].map((x) => x.toLowerCase()).sort(),
      'title ignores case',
    );
    const dueDesc = (await call(app, { method: 'GET', url: `${family.collection(user)}?sort=due_at&order=desc`, as: user })).json<Task[]>();
    t.same(
      dueDesc.slice(-2).map((x) => x.due_at),
      [null, null],
      'tasks without a due date last in desc too',
    );
  });

  t.test(`${family.name}: invalid filter values are a 422 naming the parameter`, async (t) => {
    const user = `invalid-filters-${family.name}`;
    const cases: [string, string, string][] = [
      ['priority=urgent', 'priority', 'must be one of: low, medium, high'],
      ['priority=high,urgent', 'priority', 'must be one of: low, medium, high'],
      ['priority=', 'priority', 'must be one of: low, medium, high'],
      ['tag=', 'tag', 'must not be empty'],
      [`tag=${'x'.repeat(33)}`, 'tag', 'must be at most 32 characters'],
      ['tag=a,b', 'tag', 'must not be blank or contain a comma'],
      ['q=', 'q', 'must not be empty'],
      [`q=${'x'.repeat(101)}`, 'q', 'must be at most 100 characters'],
      ['due_before=yesterday', 'due_before', 'must be a valid date-time'],
      ['due_after=2026-01-01', 'due_after', 'must be a valid date-time'],
      ['overdue=maybe', 'overdue', 'must be a boolean'],
      ['sort=rank', 'sort', 'must be one of: created_at, updated_at, title, priority, due_at'],
      ['cursor=', 'cursor', 'must not be empty'],
    ];
    for (const [query, field, message] of cases) {
      const res = await call(app, { method: 'GET', url: `${family.collection(user)}?${query}`, as: user });
      t.equal(res.statusCode, 422, `${query}: 422`);
      const body = res.json<ErrorBody>();
      t.ok(
        body.errors?.some((e) => e.in === 'query' && e.field === field && e.message === message),
        `${query}: query.${field} ${message} (got ${JSON.stringify(body.errors)})`,
      );
    }
  });
}
