// The real server process (src/server.ts run by node with tsx's loader: `npm start` without the
// build step), for tests that kill it. It listens on a free port; the test learns the address from
// its "listening" log line.
//
// Not the `tsx` command: that runs the server in a child process of its own, so a SIGKILL sent to
// it would kill only tsx and leave the server running (and holding the database).
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const tsxLoader = pathToFileURL(`${root}node_modules/tsx/dist/loader.mjs`).href;

export interface ServerProcess {
  readonly child: ChildProcess;
  /** http://127.0.0.1:<port> */
  readonly base: string;
  /** Resolves with how the process ended: its exit code, or the signal that ended it. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** The lines it wrote that are not per-request logs (start-up, warnings, errors). */
  notes(): string;
}

/**
 * Starts the server (the child is the server's own process) with `env` (plus PATH, PORT=0, HOST=127.0.0.1) and waits until it listens.
 * `command` runs something else that starts it (`['npm', 'start']`), from `cwd`.
 */
export async function startServer(
  env: Record<string, string>,
  cwd: string,
  timeoutMs = 60_000,
  command?: readonly [string, ...string[]],
): Promise<ServerProcess> {
  const [file, ...args] = command ?? [process.execPath, '--import', tsxLoader, `${root}src/server.ts`];
  const child = spawn(file, args, {
    cwd,
    env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  // Per-request log lines are read and dropped (the pipe must keep draining); the rest are kept.
  let notes = '';
  let pending = '';
  let base: string | undefined;
  const onData = (chunk: Buffer) => {
    pending += chunk.toString('utf8');
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      if (/"(incoming request|request completed)"/.test(line)) continue;
      notes += `${line}\n`;
      base ??= /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(line)?.[1];
    }
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);

  const until = Date.now() + timeoutMs;
  while (base === undefined) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`the server exited before listening:\n${notes}${pending}`);
    if (Date.now() > until) {
      child.kill('SIGKILL');
      throw new Error(`the server did not listen within ${timeoutMs} ms:\n${notes}${pending}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { child, base, exited, notes: () => notes + pending };
}
