// `npm start` as production runs it: the compiled server (built by `npm install`'s prepare, or
// `npm run build`), no compiling at start, and a SIGTERM sent to the very process `npm start`
// created (what a container runtime sends to PID 1) reaches the server: /ready turns 503
// `draining` while the listener is still open (DRAIN_DELAY_SECONDS), then it drains and exits 0,
// with every request of a client that keeps calling through it answered.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import { freshDatabase, POSTGRES_URL, SECRET, tokenFor } from '../helper.js';
import { keepAliveAgent, request } from '../support/http.js';
import { startServer } from '../support/server-process.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** The pids whose parent is `pid` (Linux /proc). */
function childrenOf(pid: number): number[] {
  const out = execFileSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' }).trim();
  return out ? out.split(/\s+/).map(Number) : [];
}

t.test('npm start: compiled, up in seconds; SIGTERM to npm drains the server (503 draining first) and it exits 0', async (t) => {
  // What `npm install` (prepare) or a release build does, once, before any start.
  execFileSync('npm', ['run', '-s', 'build'], { cwd: root, stdio: 'inherit' });
  const target = POSTGRES_URL ? await freshDatabase(t) : undefined;
  const env: Record<string, string> = {
    HOME: process.env.HOME ?? '/tmp',
    NODE_ENV: 'development',
    BETTER_AUTH_SECRET: SECRET,
    DATA_DIR: t.testdir(),
    DRAIN_DELAY_SECONDS: '1.5',
    SHUTDOWN_TIMEOUT_SECONDS: '10',
    OVERLOAD_MAX_EVENT_LOOP_DELAY_MS: '0',
    ...(target?.kind === 'postgres' ? { DATABASE_URL: target.url } : {}),
  };
  const started = Date.now();
  const server = await startServer(env, root, 60_000, ['npm', 'start']);
  const startupMs = Date.now() - started;
  t.teardown(() => {
    if (server.child.exitCode === null) server.child.kill('SIGKILL');
  });
  t.comment(`npm start listened after ${startupMs} ms (noisy shared machine)`);
  t.ok(startupMs < 30_000, `listening within seconds, without compiling (${startupMs} ms)`);
  t.notMatch(server.notes(), /tsc|> npm run -s build/, 'no build at start');

  // npm's child is node itself (the start script execs it): no shell in between to swallow the signal.
  const [nodePid, ...more] = childrenOf(server.child.pid!);
  t.equal(more.length, 0, 'npm has one child');
  const commandLine = readFileSync(`/proc/${nodePid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  t.match(commandLine, /^node .*dist\/src\/server\.js/, 'and it is the server');
  // The heap settings that keep the process under 200 MiB under load (docs/OPERATIONS.md, "Memory").
  t.match(commandLine, / --max-semi-space-size=32 --max-old-space-size=1024 /, 'with the heap settings');

  // A client that keeps calling on its keep-alive connection through the signal, until the server
  // tells it (Connection: close) to go elsewhere, as a balancer does.
  const agent = keepAliveAgent();
  const token = tokenFor('alice');
  const answers: number[] = [];
  const errors: string[] = [];
  let calling = true;
  const client = (async () => {
    while (calling) {
      try {
        const answer = await request(server.base, '/api/tasks', { token, agent });
        answers.push(answer.status);
        if (answer.headers.connection === 'close') break;
      } catch (error) {
        errors.push((error as NodeJS.ErrnoException).code ?? String(error));
        break;
      }
    }
  })();
  await sleep(300);

  const signalled = Date.now();
  server.child.kill('SIGTERM');
  // During the drain delay, a new connection (a balancer's health check) is still accepted, and told to go away.
  await sleep(300);
  const ready = await request(server.base, '/ready');
  t.equal(ready.status, 503, '/ready answers 503 while the listener is still open');
  t.equal(JSON.parse(ready.body).error, 'draining');
  const health = await request(server.base, '/health');
  t.equal(health.status, 200, '/health still 200 (liveness: do not restart a draining process)');

  const exit = await server.exited;
  calling = false;
  await client;
  agent.destroy();
  t.comment(
    `exited ${Date.now() - signalled} ms after SIGTERM (drain delay 1.5 s); ${answers.length} requests answered on the client's connection`,
  );
  t.same(exit, { code: 0, signal: null }, 'npm exits 0: the server drained and exited 0');
  t.match(server.notes(), /SIGTERM: shutting down/, 'the server got the signal');
  t.match(server.notes(), /shut down in \d+ ms/, 'and finished its shutdown');
  t.throws(() => process.kill(nodePid!, 0), 'the server process is gone');
  t.ok(answers.length > 0 && answers.every((s) => s === 200), `every request answered 200 (${answers.length})`);
  t.same(errors, [], 'no request failed');
  t.ok(answers.length > 0, 'the client was told to go elsewhere by a served answer, not a reset');
});
