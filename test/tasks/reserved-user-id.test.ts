// `/api/tasks/{task_id}` and `/api/{user_id}/tasks` overlap on `/api/tasks/tasks`. The contract
// decides: `tasks` is never a user id (UserId's pattern), so every such path is the caller-implied
// family or a 422, whatever the method; a user whose id is `tasks` uses `/api/tasks…`.
import t from 'tap';
import { randomUUID } from 'node:crypto';
import { build, call } from '../helper.js';

const app = await build(t);
const user = 'tasks';

t.test('the per-user family refuses the user id "tasks" with 422, for every method', async (t) => {
  const id = randomUUID();
  const cases = [
    ['GET', '/api/tasks/tasks', undefined],
    ['POST', '/api/tasks/tasks', { title: 'x' }],
    ['GET', `/api/tasks/tasks/${id}`, undefined],
    ['PUT', `/api/tasks/tasks/${id}`, { title: 'x' }],
    ['PATCH', `/api/tasks/tasks/${id}`, { title: 'x' }],
    ['DELETE', `/api/tasks/tasks/${id}`, undefined],
    ['PATCH', `/api/tasks/tasks/${id}/complete`, undefined],
    ['GET', '/api/tasks/tasks/complete', undefined],
    ['PATCH', '/api/tasks/tasks/complete', undefined],
  ] as const;
  for (const [method, url, body] of cases) {
    const res = await call(app, { method, url, as: user, ...(body ? { body } : {}) });
    t.equal(res.statusCode, 422, `${method} ${url}`);
    t.equal(res.json().error, 'validation_failed');
    t.ok(
      res.json().errors.every((e: { in: string }) => e.in === 'path'),
      `${method} ${url}: a path parameter is named`,
    );
  }
  const post = await call(app, { method: 'POST', url: '/api/tasks/tasks', as: user, body: { title: 'x' } });
  t.same(post.json().errors, [
    { in: 'path', field: 'user_id', message: 'must not be "tasks" (reserved: /api/tasks is the caller\'s own family)' },
  ]);
});

t.test('a user whose id is "tasks" has the caller-implied family, and nothing was created above', async (t) => {
  const list = await call(app, { method: 'GET', url: '/api/tasks', as: user });
  t.same(list.json(), []);
  const created = await call(app, { method: 'POST', url: '/api/tasks', as: user, body: { title: 'Mine' } });
  t.equal(created.statusCode, 201);
  t.equal(created.json().user_id, 'tasks');
  const got = await call(app, { method: 'GET', url: `/api/tasks/${created.json().id}`, as: user });
  t.equal(got.statusCode, 200);
});

t.test('ids that only contain "tasks" are ordinary user ids', async (t) => {
  for (const id of ['tasks2', 'my-tasks', 'Tasks']) {
    const res = await call(app, { method: 'POST', url: `/api/${id}/tasks`, as: id, body: { title: 'x' } });
    t.equal(res.statusCode, 201, id);
  }
});
