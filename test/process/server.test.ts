// The process as a newcomer runs it: `npm start` semantics without the build step (tsx).
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { startSource } from '../support/source-process.js';
import { request } from '../support/http.js';
import { startServer } from '../support/server-process.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const start = (env: Record<string, string>, cwd: string) => startSource('server.ts', env, cwd);

t.test('production without a secret refuses to start with a one-line reason', async (t) => {
  const dir = t.testdir();
  const server = start({ NODE_ENV: 'production', DATA_DIR: dir }, dir);
  const code = await server.exited;
  t.equal(code, 1);
  t.match(server.output(), /^todo-api: refusing to start in production without BETTER_AUTH_SECRET[^\n]*\n$/m);
});

t.test('development without a secret generates one, keeps it, and prints a working demo token', async (t) => {
  const dir = t.testdir();
  const server = start({ NODE_ENV: 'development', DATA_DIR: dir, PORT: '0', LOG_LEVEL: 'warn' }, dir);
  t.teardown(() => void server.child.kill('SIGKILL'));
  const output = await server.waitFor(/export TOKEN=(\S+)[\s\S]*curl -s -H "Authorization: Bearer \$TOKEN" (http:\/\/\S+)\/api\/tasks/);
  const [, token, base] = /export TOKEN=(\S+)[\s\S]*?(http:\/\/[^/\s]+)\/api\/tasks/.exec(output)!;
  // The warning is a log line, written by the logger on its own schedule: it may follow the printed token.
  t.match(await server.waitFor(/development secret just generated/), /development secret just generated/);
  const created = await request(base!, '/api/tasks', { method: 'POST', token, body: { title: 'From the README' } });
  t.equal(created.status, 201);
  t.equal((created.json() as { user_id: string }).user_id, 'demo-user');
  server.child.kill('SIGTERM');
  t.equal(await server.exited, 0, 'SIGTERM shuts down cleanly');

  // A second start reuses the kept secret, so old tokens stay valid.
  const again = start({ NODE_ENV: 'development', DATA_DIR: dir, PORT: '0', LOG_LEVEL: 'warn' }, dir);
  t.teardown(() => void again.child.kill('SIGKILL'));
  const output2 = await again.waitFor(/(http:\/\/[^/\s]+)\/api\/tasks/);
  t.match(await again.waitFor(/development secret kept in/), /development secret kept in/);
  const [, base2] = /(http:\/\/[^/\s]+)\/api\/tasks/.exec(output2)!;
  const list = await request(base2!, '/api/tasks', { token });
  t.equal(list.status, 200, 'the first token still works');
  t.equal((list.json() as unknown[]).length, 1, 'and the task persisted in DATA_DIR');
  again.child.kill('SIGTERM');
  t.equal(await again.exited, 0);
});

t.test('a second server on the same embedded database folder refuses to start with a one-line reason', async (t) => {
  const dir = t.testdir();
  const env = { NODE_ENV: 'development', DATA_DIR: dir, PORT: '0', LOG_LEVEL: 'warn' };
  const first = start(env, dir);
  t.teardown(() => void first.child.kill('SIGKILL'));
  await first.waitFor(/export TOKEN=/);
  const second = start(env, dir);
  t.equal(await second.exited, 1);
  t.match(
    second.output(),
    new RegExp(`^todo-api: the embedded database in \\S+ is in use \\(process ${first.child.pid} has it open\\)[^\\n]*\\n$`, 'm'),
  );
  first.child.kill('SIGTERM');
  t.equal(await first.exited, 0);
});

t.test('cp .env.example .env && npm start: it starts, serves /health and an authenticated call', async (t) => {
  const dir = t.testdir();
  copyFileSync(`${root}.env.example`, join(dir, '.env'));
  // The file as it is (DATABASE_URL=, MIGRATE_ON_START=, BETTER_AUTH_URL=, PORT=8000 …), with what a shell
  // commonly adds on top: an empty NODE_ENV (empty means unset) and a port of its own (the environment wins).
  const server = await startServer({ NODE_ENV: '', DATABASE_URL: '' }, dir);
  t.teardown(() => void server.child.kill('SIGKILL'));
  // The demo token and the development-secret warning are written just after the listening line.
  for (const until = Date.now() + 10_000; !/export TOKEN=[\s\S]*development secret/.test(server.notes()) && Date.now() < until;)
    await new Promise((r) => setTimeout(r, 50));
  t.ok(
    server.notes().includes(`development secret just generated in ${join(dir, '.data', 'dev-secret')}`),
    'DATA_DIR=.data from the file, relative to the working directory',
  );
  const health = await request(server.base, '/health');
  t.equal(health.status, 200);
  t.same(health.json(), { status: 'healthy' });
  const [, token] = /export TOKEN=(\S+)/.exec(server.notes()) ?? [];
  t.ok(token, 'the demo token is printed');
  const created = await request(server.base, '/api/tasks', { method: 'POST', token, body: { title: 'From .env.example' } });
  t.equal(created.status, 201);
  const list = await request(server.base, '/api/tasks', { token });
  t.equal(list.status, 200);
  t.match(list.json(), [{ title: 'From .env.example', user_id: 'demo-user' }]);
  server.child.kill('SIGTERM');
  t.same(await server.exited, { code: 0, signal: null });
});
