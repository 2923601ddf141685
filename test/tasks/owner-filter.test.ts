// Every query the repositories send is filtered by (or, for an insert, stamped with) its owner.
// The queries are compiled once per shape and cached (src/db/query-shapes.ts), and every shape
// defined anywhere is in one registry (queryShapes()): this runs the services and repositories
// through many shapes (every write with and without If-Match, random lists: filters, sorts,
// cursors, offsets; stats; idempotency keys; users), then reads every compiled shape of the
// registry and checks each against src/db/owned.ts: every WHERE starts with
// `"<table>"."<owner column>" = $owner` of an owned table, there is one such WHERE per owned table
// the query reads or writes (no subquery escapes the filter), and an insert's owner column is the
// owner. Each call also only ever saw its own tasks.
import t from 'tap';
import type { Test } from 'tap';
import fc from 'fast-check';
import { sql, type CompiledQuery } from 'kysely';
import { connect } from '../../src/db/connect.js';
import { subjectFromVerifiedToken } from '../../src/auth/subject.js';
import { placeholderPositions, queryShapes } from '../../src/db/query-shapes.js';
import { OWNED_TABLES } from '../../src/db/owned.js';
import { NotFound } from '../../src/domain/errors.js';
import * as repo from '../../src/tasks/task.repository.js';
import * as tasks from '../../src/tasks/task.service.js';
import { listTasks } from '../../src/tasks/task-list.repository.js';
import { upsertUser } from '../../src/users/user.repository.js';
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
  const changes: tasks.TaskChanges[] = [
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
      const written = await tasks.changeTask(db, alice, first!.id, change, versions && [...versions, current.version]);
      t.ok(written, `${JSON.stringify(change)} at ${JSON.stringify(versions)} writes`);
      await t.rejects(tasks.changeTask(db, alice, bobs.id, change, versions), NotFound, 'never Bob’s task');
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

t.test('the other repositories’ shapes, exercised: stats, idempotency keys, users', async (t) => {
  t.equal((await tasks.taskStats(db, alice)).total > 0, true, 'Alice has tasks to count');
  const answerOf = () => ({ status: 201, headers: {} });
  const key = { key: 'owner-filter', fingerprint: 'f', answerOf };
  const first = await tasks.createTask(db, alice, { title: 'keyed' }, key);
  const again = await tasks.createTask(db, alice, { title: 'keyed' }, key);
  t.same([again.replayed, again.value], [true, first.value], 'the key’s answer is replayed');
  const toggled = await tasks.completeTask(db, alice, first.value.id, undefined, undefined, { ...key, key: 'owner-filter-toggle' });
  t.equal(toggled.value.completed, true);
  await upsertUser(db, alice, undefined);
  await upsertUser(db, alice, 'alice@example.com');
});

/** `$n` for each position the owner placeholder fills. */
const ownerParameters = (query: CompiledQuery) => placeholderPositions(query, 'owner').map((n) => `$${n}`);

const ownerColumns: Record<string, string> = OWNED_TABLES;

function checkOwnerFiltered(t: Test, name: string, query: CompiledQuery): void {
  const owner = ownerParameters(query);
  t.ok(owner.length >= 1, `${name}: the owner is a parameter: ${query.sql}`);
  t.notMatch(query.sql, /\[object Object\]/, `${name}: no placeholder in the SQL text`);
  const insert = /^insert into "(\w+)" \(([^)]*)\) values \((.*?)\)( on conflict | returning |$)/.exec(query.sql);
  if (insert) {
    const [, table, columnList, valueList] = insert;
    const column = ownerColumns[table!];
    t.ok(column, `${name}: ${table} is an owned table`);
    const columns = columnList!.split(', ');
    const values = valueList!.split(', ');
    t.ok(owner.includes(values[columns.indexOf(`"${column}"`)]!), `${name}: ${column} is the owner: ${query.sql}`);
    return;
  }
  const mentions = [...query.sql.matchAll(/\b(?:from|update|join) "(\w+)"/g)].map((m) => m[1]!).filter((table) => table in ownerColumns);
  const wheres = [...query.sql.matchAll(/\bwhere (\S+) = (\$\d+)( and | order by | limit | for | returning |\)|$)/g)];
  t.equal(query.sql.match(/\bwhere\b/g)?.length, mentions.length, `${name}: one WHERE per owned table read or written: ${query.sql}`);
  t.equal(wheres.length, mentions.length, `${name}: each WHERE starts with an equality: ${query.sql}`);
  for (const [i, where] of wheres.entries()) {
    const table = mentions[i]!;
    t.equal(where[1], `"${table}"."${ownerColumns[table]}"`, `${name}: WHERE ${i + 1} starts with ${table}’s owner column: ${query.sql}`);
    t.ok(owner.includes(where[2]!), `${name}: WHERE ${i + 1} compares it with the owner: ${query.sql}`);
  }
}

t.test('every compiled query shape of every repository is owner-filtered', async (t) => {
  const tables = new Set<string>();
  let total = 0;
  for (const shape of queryShapes()) {
    const compiled = shape.compiled();
    t.ok(compiled.length > 0, `${shape.shapeName} was exercised`);
    for (const query of compiled) {
      checkOwnerFiltered(t, shape.shapeName, query);
      for (const [, table] of query.sql.matchAll(/\b(?:from|update|into) "(\w+)"/g)) tables.add(table!);
    }
    total += compiled.length;
  }
  t.same(
    [...tables].filter((table) => table in ownerColumns).sort(),
    Object.keys(OWNED_TABLES).sort(),
    'every owned table is queried by some shape',
  );
  t.ok(total > 60, `${total} shapes checked`);
});
