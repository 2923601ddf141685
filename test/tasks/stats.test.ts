// The stats stay exact under concurrent writes: creates, toggles, priority changes and deletes
// running at once (on PostgreSQL, truly in parallel: the trigger-kept counts must neither
// deadlock nor drift), in both route families.
import t from 'tap';
import type { Task } from '../support/types.js';
import { build, call } from '../helper.js';
import { families } from '../support/families.js';

const app = await build(t);
const PRIORITIES = ['low', 'medium', 'high'] as const;

for (const family of families) {
  t.test(`${family.name}: stats equal the tasks after a burst of concurrent writes`, async (t) => {
    const user = `stats-burst-${family.name}`;
    const collection = family.collection(user);
    const created = await Promise.all(
      Array.from({ length: 24 }, (_, i) =>
        call(app, {
          method: 'POST',
          url: collection,
          as: user,
          body: { title: `t${i}`, priority: PRIORITIES[i % 3], completed: i % 2 === 0 },
        }),
      ),
    );
    const ids = created.map((r) => r.json<Task>().id);
    const writes = ids.flatMap((id, i) => [
      call(app, { method: 'PATCH', url: `${collection}/${id}/complete`, as: user }),
      call(app, {
        method: 'PATCH',
        url: `${collection}/${id}`,
        as: user,
        body: { priority: PRIORITIES[(i + 1) % 3], completed: i % 3 === 0 },
      }),
      ...(i % 4 === 0 ? [call(app, { method: 'DELETE', url: `${collection}/${id}`, as: user })] : []),
      call(app, { method: 'POST', url: collection, as: user, body: { title: `more${i}`, priority: PRIORITIES[i % 3] } }),
    ]);
    const statuses = (await Promise.all(writes)).map((r) => r.statusCode);
    t.ok(
      statuses.every((s) => [200, 201, 204, 404].includes(s)),
      `every write answered (${[...new Set(statuses)].join(', ')})`,
    );
    const tasks = (await call(app, { method: 'GET', url: `${collection}?limit=1000`, as: user })).json<Task[]>();
    const stats = (await call(app, { method: 'GET', url: `${collection}/stats`, as: user })).json();
    const count = (f: (x: Task) => boolean) => tasks.filter(f).length;
    t.same(stats, {
      total: tasks.length,
      completed: count((x) => x.completed),
      pending: count((x) => !x.completed),
      overdue: 0,
      by_priority: {
        low: count((x) => x.priority === 'low'),
        medium: count((x) => x.priority === 'medium'),
        high: count((x) => x.priority === 'high'),
      },
    });
  });
}
