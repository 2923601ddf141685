// Concurrent requests: toggles each flip exactly once, one DELETE wins, and a burst of first
// requests from a new user records that user exactly once.
import t from 'tap';
import type { Test } from 'tap';
import type { Task } from '../support/types.js';
import { build, call, tokenFor } from '../helper.js';

const app = await build(t);

async function create(t: Test, user: string, url = '/api/tasks'): Promise<Task> {
  const res = await call(app, { method: 'POST', url, as: user, body: { title: 'contended' } });
  t.equal(res.statusCode, 201);
  return res.json<Task>();
}

for (const [label, base, n] of [
  ['20 concurrent toggles (caller-implied)', '/api/tasks', 20],
  ['7 concurrent toggles (per-user)', '/api/conc-toggle-7/tasks', 7],
] as const) {
  t.test(`${label} each flip once`, async (t) => {
    const user = label.startsWith('20') ? 'conc-toggle-20' : 'conc-toggle-7';
    const task = await create(t, user, base);
    const url = `${base}/${task.id}/complete`;
    const responses = await Promise.all(Array.from({ length: n }, () => call(app, { method: 'PATCH', url, as: user })));
    t.same(
      responses.map((r) => r.statusCode),
      Array(n).fill(200),
      'every toggle succeeded',
    );
    const states = responses.map((r) => r.json<Task>().completed);
    // Each toggle saw a different state: serialized flips alternate, so the answers split evenly.
    t.equal(states.filter(Boolean).length, Math.ceil(n / 2), `${Math.ceil(n / 2)} answers say true`);
    t.equal(states.filter((s) => !s).length, Math.floor(n / 2), `${Math.floor(n / 2)} answers say false`);
    const final = await call(app, { method: 'GET', url: `${base}/${task.id}`, as: user });
    t.equal(final.json<Task>().completed, n % 2 === 1, `after ${n} toggles completed is ${n % 2 === 1}`);
    t.equal(final.json<Task>().title, 'contended', 'nothing else changed');
  });
}

t.test('10 concurrent DELETEs of one task: exactly one 204, nine 404', async (t) => {
  const user = 'conc-delete';
  const task = await create(t, user);
  const other = await create(t, user);
  const responses = await Promise.all(
    Array.from({ length: 10 }, (_, i) =>
      call(app, { method: 'DELETE', url: i % 2 ? `/api/${user}/tasks/${task.id}` : `/api/tasks/${task.id}`, as: user }),
    ),
  );
  const codes = responses.map((r) => r.statusCode);
  t.equal(codes.filter((c) => c === 204).length, 1, 'one 204');
  t.equal(codes.filter((c) => c === 404).length, 9, 'nine 404');
  t.ok(
    responses.filter((r) => r.statusCode === 404).every((r) => r.json<{ error: string }>().error === 'not_found'),
    'the 404s are not_found',
  );
  const left = await call(app, { method: 'GET', url: '/api/tasks', as: user });
  t.same(
    left.json<Task[]>().map((x) => x.id),
    [other.id],
    'only the other task is left',
  );
});

t.test('a burst of 20 concurrent first requests from a new user records one users row', async (t) => {
  const user = 'conc-newcomer';
  t.equal(await app.db.selectFrom('users').select('id').where('id', '=', user).executeTakeFirst(), undefined, 'unknown before');
  const authorization = `Bearer ${tokenFor(user, { email: 'newcomer@example.com' })}`;
  const responses = await Promise.all(
    Array.from({ length: 20 }, (_, i) =>
      i % 2
        ? call(app, { method: 'POST', url: '/api/tasks', authorization, body: { title: `burst ${i}` } })
        : call(app, { method: 'GET', url: `/api/${user}/tasks`, authorization }),
    ),
  );
  t.same(
    responses.map((r) => r.statusCode),
    Array.from({ length: 20 }, (_, i) => (i % 2 ? 201 : 200)),
    'every request succeeded (creates included: the user row exists before each insert)',
  );
  const rows = await app.db.selectFrom('users').selectAll().where('id', '=', user).execute();
  t.equal(rows.length, 1, 'exactly one users row');
  t.equal(rows[0]?.email, 'newcomer@example.com');
  const tasks = await app.db.selectFrom('tasks').select('title').where('user_id', '=', user).execute();
  t.equal(tasks.length, 10, 'all ten creates stored');

  // The same burst for a user without an email, all creates.
  const plain = 'conc-newcomer-plain';
  const creates = await Promise.all(
    Array.from({ length: 20 }, (_, i) => call(app, { method: 'POST', url: `/api/${plain}/tasks`, as: plain, body: { title: `p${i}` } })),
  );
  t.ok(
    creates.every((r) => r.statusCode === 201),
    'all 20 creates succeeded',
  );
  t.equal((await app.db.selectFrom('users').select('id').where('id', '=', plain).execute()).length, 1, 'exactly one users row');
  t.equal((await app.db.selectFrom('tasks').select('id').where('user_id', '=', plain).execute()).length, 20, 'twenty tasks');
});

t.test('concurrent PATCHes to different fields of one task all land', async (t) => {
  const user = 'conc-patch';
  const task = await create(t, user);
  const url = `/api/tasks/${task.id}`;
  const responses = await Promise.all([
    call(app, { method: 'PATCH', url, as: user, body: { title: 'new title' } }),
    call(app, { method: 'PATCH', url, as: user, body: { description: 'new description' } }),
    call(app, { method: 'PATCH', url: `${url}/complete`, as: user, body: { completed: true } }),
  ]);
  t.same(
    responses.map((r) => r.statusCode),
    [200, 200, 200],
  );
  const final = (await call(app, { method: 'GET', url, as: user })).json<Task>();
  t.match(final, { title: 'new title', description: 'new description', completed: true }, 'no update was lost');
});
