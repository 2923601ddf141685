// The servers under load: ours (the built app), the ceiling (bare Fastify + pg), the openapi-backend
// variant, and a raw node:http server that only proves the load generator's headroom. Each is its own
// process on a free port, with a clean environment, and its output in a log file.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, log, sleep, stop, track } from './processes.js';
import type { Variant } from './shared.js';

export type ServerKind = Variant | 'raw';

export const LABEL: Record<ServerKind, string> = { ours: 'ours', ceiling: 'bare Fastify+pg', raw: 'raw node:http' };

export interface Server {
  readonly kind: ServerKind;
  readonly port: number;
  readonly child: ChildProcess;
  readonly logFile: string;
  /** Lines the server wrote to stdout/stderr since it became ready (warnings and errors only, at LOG_LEVEL=warn). */
  logLines: number;
}

export interface StartOptions {
  root: string;
  env: Record<string, string>;
  logDir: string;
  /** node --cpu-prof into this folder (written when the process exits). */
  profileDir?: string;
}

/** The node flags `npm start` runs the server with (package.json's start script), so ours is measured as users run it. */
function startFlags(root: string): string[] {
  const start = (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start;
  const words = start.split(/\s+/);
  const from = words.indexOf('node');
  const to = words.indexOf('dist/src/server.js');
  if (from < 0 || to < from) throw new Error(`package.json's start script is not "… node [flags] dist/src/server.js": ${start}`);
  return words.slice(from + 1, to);
}

export async function startServer(kind: ServerKind, options: StartOptions): Promise<Server> {
  const { root, env, logDir } = options;
  const port = await freePort();
  const tsx = (file: string) => ['--import', 'tsx', path.join(root, 'scripts/bench', file)];
  const script = {
    ours: [...startFlags(root), path.join(root, 'dist/src/server.js')],
    ceiling: tsx('ceiling-server.ts'),
    raw: tsx('raw-server.ts'),
  }[kind];
  const profile = options.profileDir
    ? (mkdirSync(options.profileDir, { recursive: true }), ['--cpu-prof', '--cpu-prof-dir', options.profileDir])
    : [];
  // A clean environment (no stray .env, JWT_ISSUER, … from the shell); ours runs in an empty
  // directory so its .env loading cannot pick anything up either.
  const cwd = kind === 'ours' ? mkdtempSync(path.join(os.tmpdir(), 'todo-bench-')) : root;
  const child = track(
    spawn(process.execPath, [...profile, ...script], {
      cwd,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? os.tmpdir(), ...env, PORT: String(port), HOST: '127.0.0.1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
  const logFile = path.join(logDir, `${kind}.log`);
  const out = createWriteStream(logFile);
  const server: Server = { kind, port, child, logFile, logLines: 0 };
  const onData = (d: Buffer): void => {
    out.write(d);
    server.logLines += d.toString().split('\n').filter(Boolean).length;
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  child.once('exit', () => out.end());
  if (kind === 'ours') child.once('exit', () => rmSync(cwd, { recursive: true, force: true }));

  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) break;
    try {
      const res = await fetch(`http://127.0.0.1:${port}/ready`, { signal: AbortSignal.timeout(2_000) });
      if (res.status === 200) {
        server.logLines = 0; // start-up lines are not load problems
        log(`${LABEL[kind]} ready on port ${port}`);
        return server;
      }
    } catch {
      // not listening yet
    }
    await sleep(200);
  }
  await stop(child);
  throw new Error(
    `${LABEL[kind]} did not become ready (GET /ready) within 30 s; its output is in ${logFile}:\n${readFileSync(logFile, 'utf8').slice(-2000)}`,
  );
}

export function exited(server: Server): boolean {
  return server.child.exitCode !== null || server.child.signalCode !== null;
}
