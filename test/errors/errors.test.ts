// Failures become the one Error body: 404 for unknown routes, 503 with Retry-After when the
// database is gone (fast, not a hang), 500 without stack traces or SQL; logs hold no tokens.
import t from 'tap';
import { sql } from 'kysely';
import { buildApp } from '../../src/app.js';
import { build, call, freshDatabase, testConfig, tokenFor } from '../helper.js';

t.test('an unknown route is a 404 in the Error shape', async (t) => {
  const app = await build(t);
  const res = await call(app, { method: 'GET', url: '/api/nothing/here/at/all' });
  t.equal(res.statusCode, 404);
  t.equal(res.json().error, 'route_not_found');
});

t.test('a closed embedded database answers 503 with Retry-After on task operations', async (t) => {
  const app = await build(t);
  t.equal((await call(app, { method: 'GET', url: '/api/tasks', as: 'alice' })).statusCode, 200);
  await app.db.destroy();
  const res = await call(app, { method: 'GET', url: '/api/tasks', as: 'alice' });
  t.equal(res.statusCode, 503);
  t.equal(res.headers['retry-after'], '2');
  t.equal(res.json().error, 'service_unavailable');
});

t.test('an unreachable PostgreSQL answers 503 quickly, not a hang or a 500', async (t) => {
  const app = await buildApp(testConfig({ MIGRATE_ON_START: 'false' }), {
    logger: false,
    database: { kind: 'postgres', url: 'postgres://postgres@127.0.0.1:1/nowhere', poolMax: 2 },
  });
  t.teardown(() => app.close());
  const started = Date.now();
  for (const [method, url, body] of [
    ['GET', '/api/tasks', undefined],
    ['POST', '/api/tasks', { title: 'x' }],
    ['GET', '/ready', undefined],
  ] as const) {
    const res = await call(app, { method, url, as: 'alice', ...(body ? { body } : {}) });
    t.equal(res.statusCode, 503, `${method} ${url}`);
    t.equal(res.headers['retry-after'], '2');
  }
  t.ok(Date.now() - started < 6000, 'answered within the connection timeout');
  t.equal((await call(app, { method: 'GET', url: '/health' })).statusCode, 200, 'liveness does not depend on the database');
});

t.test('an unexpected failure is a generic 500: no stack trace, no SQL', async (t) => {
  const database = await freshDatabase(t);
  const app = await buildApp(testConfig(), { logger: false, database });
  t.teardown(() => app.close());
  app.get('/boom', async () => {
    throw new Error('secret internals at /srv/app.js:12');
  });
  await app.ready();
  const boom = await app.inject({ method: 'GET', url: '/boom' });
  t.equal(boom.statusCode, 500);
  t.same(Object.keys(boom.json()).sort(), ['detail', 'error', 'request_id', 'status', 'title']);
  t.equal(boom.json().detail, 'An unexpected error occurred.');
  t.notMatch(boom.body, /secret internals|srv\/app/);

  // A SQL failure (here: a table gone) must not leak the query or the database's message.
  await sql`drop table tasks`.execute(app.db);
  const res = await call(app, { method: 'GET', url: '/api/tasks', as: 'alice' });
  t.equal(res.statusCode, 500);
  t.equal(res.json().error, 'internal_error');
  t.notMatch(res.body, /select|relation|tasks"|postgres/i);
});

t.test('every response carries x-request-id; a well-formed client id is kept, a bad one replaced', async (t) => {
  const app = await build(t);
  const kept = await app.inject({ method: 'GET', url: '/health', headers: { 'x-request-id': 'abc-123' } });
  t.equal(kept.headers['x-request-id'], 'abc-123');
  const replaced = await app.inject({ method: 'GET', url: '/health', headers: { 'x-request-id': 'bad id\u0001' } });
  t.match(replaced.headers['x-request-id'], /^[0-9a-f-]{36}$/);
  const error = await call(app, { method: 'GET', url: '/api/tasks', headers: { 'x-request-id': 'trace-1' } });
  t.equal(error.json().request_id, 'trace-1', 'error bodies name the request id');
});

t.test('logs record auth failures with a reason and never hold the token', async (t) => {
  const lines: string[] = [];
  const app = await buildApp(testConfig({ LOG_LEVEL: 'info' }), { logger: { write: (line) => void lines.push(line) }, database: await freshDatabase(t) });
  t.teardown(() => app.close());
  await app.ready();
  const good = tokenFor('alice');
  const forged = `${good.slice(0, -4)}AAAA`;
  await app.inject({ method: 'GET', url: '/api/tasks', headers: { authorization: `Bearer ${good}` } });
  await app.inject({ method: 'GET', url: '/api/tasks', headers: { authorization: `Bearer ${forged}` } });
  await app.inject({ method: 'GET', url: '/api/bob/tasks', headers: { authorization: `Bearer ${good}` } });
  const log = lines.join('');
  t.notMatch(log, good.split('.')[2]!, 'no token signature in the logs');
  t.notMatch(log, good.split('.')[1]!, 'no token payload in the logs');
  const events = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.event);
  t.match(events, [
    { event: 'auth_failed', reason: 'bad_signature', method: 'GET', route: '/api/tasks' },
    { event: 'forbidden', reason: 'path_user_mismatch', route: '/api/:user_id/tasks' },
  ]);
});
