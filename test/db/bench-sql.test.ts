// The bench's ceiling server sends the app's SQL (scripts/bench/server-sql.ts). For each request the
// bench's plans send (list, get, create, rename, toggle): the app compiled that exact SQL text while
// serving it, and the statement run on a migrated database answers what the app answers.
import t from 'tap';
import { CompiledQuery } from 'kysely';
import {
  createSql,
  getSql,
  LIST_LIMIT,
  listSql,
  renameSql,
  shapeNamed,
  taskOf,
  toggleSql,
  type Statement,
} from '../../scripts/bench/server-sql.js';
import { build, call, DATABASE_KIND } from '../helper.js';

const app = await build(t);
const USER = 'bench-sql-user';
const texts = (shape: { compiled: () => readonly CompiledQuery[] }) => shape.compiled().map((q) => q.sql);
const run = async (s: Statement) => (await app.db.executeQuery(CompiledQuery.raw(s.sql, [...s.parameters]))).rows;

t.test(`the ceiling's statements are the app's and answer as the app does (${DATABASE_KIND})`, async (t) => {
  const created = await call(app, { method: 'POST', url: '/api/tasks', as: USER, body: { title: 'first', description: 'notes' } });
  t.equal(created.statusCode, 201);
  const first = created.json<{ id: string; title: string }>();
  const insertTexts = texts(shapeNamed('tasks.insert'));
  const viaSql = taskOf((await run(createSql(USER, { title: 'second', description: null })))[0]);
  t.ok(insertTexts.includes(createSql(USER, { title: 'x', description: 'y' }).sql), 'create: the text the app sent');
  t.match(viaSql, { title: 'second', description: null, completed: false, priority: 'medium', version: 1 }, 'create: a task');

  const got = await call(app, { method: 'GET', url: `/api/tasks/${first.id}`, as: USER });
  t.ok(texts(shapeNamed('tasks.find')).includes(getSql(USER, first.id).sql), 'get: the text the app sent');
  t.same(taskOf((await run(getSql(USER, first.id)))[0]), got.json(), 'get: the same task');
  t.same(await run(getSql('someone-else', first.id)), [], 'get: owner-scoped');

  const listed = await call(app, { method: 'GET', url: '/api/tasks', as: USER });
  t.ok(texts(shapeNamed('tasks.list')).includes(listSql(USER).sql), 'list: the text the app sent');
  t.same((await run(listSql(USER))).slice(0, LIST_LIMIT).map(taskOf), listed.json(), 'list: the same tasks');
  t.equal(listed.json<unknown[]>().length, 2);

  const renamed = await call(app, { method: 'PATCH', url: `/api/tasks/${first.id}`, as: USER, body: { title: 'renamed' } });
  t.ok(texts(shapeNamed('tasks.change')).includes(renameSql(USER, first.id, 'y').sql), 'rename: the text the app sent');
  const renamedViaSql = taskOf((await run(renameSql(USER, first.id, 'again')))[0]);
  t.match(renamedViaSql, { title: 'again', version: renamed.json<{ version: number }>().version + 1 }, 'rename: the next version');

  const toggled = await call(app, { method: 'PATCH', url: `/api/tasks/${first.id}/complete`, as: USER });
  t.ok(texts(shapeNamed('tasks.toggle')).includes(toggleSql(USER, first.id).sql), 'toggle: the text the app sent');
  t.equal(toggled.json<{ completed: boolean }>().completed, true);
  const back = taskOf((await run(toggleSql(USER, first.id)))[0]);
  t.match(back, { completed: false, completed_at: null }, 'toggle: flips it back');
  const final = await call(app, { method: 'GET', url: `/api/tasks/${first.id}`, as: USER });
  t.same(back, final.json(), 'the app reads what the statement wrote');
});
