// Every query the task repository sends is filtered by (or, for an insert, stamped with) its owner.
// The queries are compiled once per shape and cached (src/db/query-shapes.ts): this runs the
// repository through many shapes (every write with and without If-Match, random lists: filters,
// sorts, cursors, offsets), then reads every compiled shape and checks that the owner placeholder
// is a parameter and that the SQL's WHERE starts with `"tasks"."user_id" = $owner`, ANDed with the
// rest (for the insert: the owner is the user_id value). Each call also only ever saw its own tasks.
import t from 'tap';
import type { Test } from 'tap';
import fc from 'fast-check';
import { sql, type CompiledQuery } from 'kysely';
import { connect } from '../../src/db/connect.js';
import { subjectFromVerifiedToken } from '../../src/auth/subject.js';
import { placeholderPositions } from '../../src/db/query-shapes.js';
import * as repo from '../../src/tasks/task.repository.js';
import { listQueryShapes, listTasks } from '../../src/tasks/task-list.repository.js';
import type { ListParams } from '../../src/tasks/list-params.js';
import { migratedDatabase } from '../helper.js';

const { db } = connect(await migratedDatabase(t));
t.teardown(() => db.destroy());
const alice = subjectFromVerifiedToken('owner-filter-alice');
const bob = subjectFromVerifiedToken('owner-filter-bob');
await sql`insert into users (id) values (${alice}), (${bob})`.execute(db);

const bobs = await repo.createTask(db, bob, { title: 'Bob’s', tags: ['work'], priority: 'high', due_at: '2027-01-01T00:00:00Z' });

t.test('the repository’s shapes, exercised: writes', async (t) => {
  const created = [
    await repo.createTask(db, alice, { title: 'plain' }),
    await repo.createTask(db, alice, { title: 'done', completed: true, description: 'd' }),
    await repo.createTask(db, alice, {
      title: 'all',
      priority: 'low',
      due_at: '2027-02-01T10:00:00+02:00',
      tags: ['Home', 'home', 'work'],
    }),
  ];
  t.same(created[2]!.tags, ['home', 'work']);
  t.equal(created[2]!.due_at, '2027-02-01T08:00:00.000Z');
  const [first] = created;
  const changes: repo.TaskChanges[] = [
    { title: 'renamed' },
    { description: null },
    { completed: true },
    { completed: false },
    { priority: 'high', tags: ['a'] },
    { due_at: '2027-03-01T00:00:00Z' },
    { due_at: null },
    { title: 't', description: 'x', completed: true, priority: 'medium', due_at: '2028-01-01T00:00:00Z', tags: [] },
  ];
  for (const change of changes) {
    for (const versions of [undefined, [], [1], [1, 2, 3]]) {
      const current = (await repo.findTask(db, alice, first!.id))!;
      const written = await repo.changeTask(db, alice, first!.id, change, versions && [...versions, current.version]);
      t.ok(written, `${JSON.stringify(change)} at ${JSON.stringify(versions)} writes`);
      t.equal(await repo.changeTask(db, alice, bobs.id, change, versions), undefined, 'never Bob’s task');
    }
  }
  for (const versions of [undefined, [], [7]]) {
    t.equal(await repo.toggleTask(db, alice, bobs.id, versions), undefined);
    t.equal(await repo.deleteTask(db, alice, bobs.id, versions), false);
    t.equal(await repo.findTask(db, alice, bobs.id), undefined);
  }
  t.ok(await repo.toggleTask(db, alice, first!.id), 'toggles Alice’s');
  t.ok(await repo.deleteTask(db, alice, created[1]!.id, [created[1]!.version]), 'deletes Alice’s at its version');
  t.same(await repo.findTask(db, bob, bobs.id), bobs, 'Bob’s task untouched');
});

const listParams: fc.Arbitrary<ListParams> = fc.record(
  {
    status: fc.constantFrom('all', 'pending', 'completed'),
    sort: fc.constantFrom('created_at', 'updated_at', 'title', 'priority', 'due_at'),
    order: fc.constantFrom('asc', 'desc'),
    limit: fc.integer({ min: 1, max: 3 }),
    overdue: fc.boolean(),
    priority: fc.array(fc.constantFrom('low', 'medium', 'high'), { minLength: 1, maxLength: 4 }),
    tag: fc.array(fc.constantFrom('work', 'home', 'a'), { minLength: 1, maxLength: 2 }),
    q: fc.constantFrom('a', 'Bob', '%', 'all'),
    due_before: fc.constant('2030-01-01T00:00:00Z'),
    due_after: fc.constant('2020-01-01T00:00:00Z'),
    offset: fc.integer({ min: 0, max: 2 }),
  },
  { requiredKeys: ['status', 'sort', 'order', 'limit', 'overdue'] },
) as fc.Arbitrary<ListParams>;

t.test('the repository’s shapes, exercised: lists, with their cursors', async (t) => {
  for (let i = 0; i < 20; i++)
    await repo.createTask(db, alice, {
      title: `task ${i % 7}`,
      completed: i % 3 === 0,
      priority: (['low', 'medium', 'high'] as const)[i % 3],
      ...(i % 2 ? { due_at: '2027-01-01T00:00:00Z', tags: ['work'] } : {}),
    });
  await fc.assert(
    fc.asyncProperty(listParams, async (params) => {
      let page = await listTasks(db, alice, params);
      for (let pages = 0; pages < 3 && page.next !== undefined; pages++) {
        page = await listTasks(db, alice, { ...params, offset: undefined, cursor: page.next });
        if (page.tasks.some((task) => task.user_id !== alice)) throw new Error('a page held another user’s task');
      }
      if (page.tasks.some((task) => task.user_id !== alice)) throw new Error('a page held another user’s task');
    }),
    { numRuns: 300 },
  );
  t.pass('300 random lists, each walked up to three pages');
});

/** `$n` for each position the owner placeholder fills. */
const ownerParameters = (query: CompiledQuery) => placeholderPositions(query, 'owner').map((n) => `$${n}`);

function checkOwnerFiltered(t: Test, name: string, query: CompiledQuery): void {
  const owner = ownerParameters(query);
  t.equal(owner.length, 1, `${name}: the owner is one parameter: ${query.sql}`);
  t.notMatch(query.sql, /\[object Object\]/, `${name}: no placeholder in the SQL text`);
  const insert = /^insert into "tasks" \(([^)]*)\) values \((.*)\) returning /.exec(query.sql);
  if (insert) {
    const columns = insert[1]!.split(', ');
    const values = insert[2]!.split(', ');
    t.equal(values[columns.indexOf('"user_id"')], owner[0], `${name}: user_id is the owner`);
    return;
  }
  const where = new RegExp(`\\bwhere "tasks"\\."user_id" = \\${owner[0]}( and | order by | limit |$| returning )`);
  t.match(query.sql, where, `${name}: the WHERE starts with the owner filter: ${query.sql}`);
  t.equal(query.sql.match(/\bwhere\b/g)?.length, 1, `${name}: one WHERE (no subquery escapes the filter)`);
}

t.test('every compiled task query is owner-filtered', async (t) => {
  const shapes = { ...repo.taskQueryShapes, ...listQueryShapes };
  let total = 0;
  for (const [name, shape] of Object.entries(shapes)) {
    const compiled = shape.compiled();
    t.ok(compiled.length > 0, `${name} was exercised`);
    for (const query of compiled) checkOwnerFiltered(t, name, query);
    total += compiled.length;
  }
  t.ok(total > 60, `${total} shapes checked`);
});
