// Log format of the real server process: JSON lines in production and whenever output is a pipe
// (collectors, tests); human-readable pino-pretty lines on a developer's terminal; LOG_FORMAT forces either.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import t from 'tap';
import { SECRET } from '../helper.js';
import { startServer } from '../support/server-process.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const tsxLoader = pathToFileURL(`${root}node_modules/tsx/dist/loader.mjs`).href;

async function firstLines(env: Record<string, string>, dir: string): Promise<string[]> {
  const server = await startServer({ BETTER_AUTH_SECRET: SECRET, DATA_DIR: dir, ...env }, dir);
  server.child.kill('SIGTERM');
  await server.exited;
  return server
    .notes()
    .split('\n')
    .filter((line) => line.includes('Server listening'));
}

t.test('output to a pipe is JSON, in development as in production', async (t) => {
  for (const NODE_ENV of ['development', 'production']) {
    const [line] = await firstLines({ NODE_ENV, MIGRATE_ON_START: 'true' }, t.testdir());
    t.ok(line, `${NODE_ENV}: the listening line`);
    t.match(JSON.parse(line!), { level: 30, msg: /^Server listening at / }, `${NODE_ENV}: a JSON object`);
  }
});

t.test('LOG_FORMAT=pretty: human-readable lines, even to a pipe', async (t) => {
  const [line] = await firstLines({ NODE_ENV: 'development', LOG_FORMAT: 'pretty' }, t.testdir());
  t.match(line, /^\S*\[\d\d:\d\d:\d\d\.\d{3}\] \S*INFO\S*: \S*Server listening at http/, String(line));
  t.throws(() => JSON.parse(line!), 'not JSON');
});

// A real terminal (a pseudo-terminal from util-linux's `script`), as `npm run dev` / `npm start` give.
const noScript = existsSync('/usr/bin/script') ? false : 'util-linux script(1) is not installed';
t.test('on a terminal: pretty in development, JSON in production and with LOG_FORMAT=json', { skip: noScript }, async (t) => {
  for (const [env, pretty] of [
    [{ NODE_ENV: 'development' }, true],
    [{ NODE_ENV: 'production', MIGRATE_ON_START: 'true' }, false],
    [{ NODE_ENV: 'development', LOG_FORMAT: 'json' }, false],
  ] as const) {
    const dir = t.testdir();
    const command = `exec ${process.execPath} --import ${tsxLoader} ${root}src/server.ts`;
    const child = spawn('/usr/bin/script', ['-qfec', command, '/dev/null'], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: '0', BETTER_AUTH_SECRET: SECRET, DATA_DIR: dir, ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    const until = Date.now() + 60_000;
    while (!/Server listening at/.test(output) && Date.now() < until && child.exitCode === null)
      await new Promise((r) => setTimeout(r, 100));
    child.kill('SIGTERM');
    const line = output.split(/\r?\n/).find((l) => l.includes('Server listening')) ?? '';
    if (pretty) t.match(line, /INFO.*Server listening at/, `${JSON.stringify(env)}: pretty (${line})`);
    else t.match(line, /^\{"level":30,.*"msg":"Server listening at/, `${JSON.stringify(env)}: JSON (${line})`);
    await new Promise((r) => (child.exitCode === null ? child.on('exit', r) : r(null)));
  }
});
