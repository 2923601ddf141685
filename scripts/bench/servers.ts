// The servers under load, each its own process on a free port with a clean environment and its output
// in a log file: ours (the built app, run as `npm start` runs it), the baseline (the app built from
// another commit, --baseline), the ceiling (bare Fastify + pg) and raw node:http (the load
// generator's headroom). And the database they share: a fresh one, migrated by ours' migrations.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { connect } from '../../src/db/connect.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { freePort, log, run, sleep, stop, track } from './processes.js';

export type ServerKind = 'ours' | 'base' | 'ceiling' | 'raw';
export const LABEL: Record<ServerKind, string> = { ours: 'ours', base: 'baseline', ceiling: 'bare Fastify+pg', raw: 'raw node:http' };

export interface Server {
  readonly kind: ServerKind;
  readonly port: number;
  readonly child: ChildProcess;
  readonly logFile: string;
  /** Lines the server wrote since it became ready (warnings and errors only, at LOG_LEVEL=warn). */
  logLines: number;
}

export const databaseUrl = (adminUrl: string, name: string): string =>
  Object.assign(new URL(adminUrl), { pathname: `/${name}` }).toString();

export async function adminClient(adminUrl: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 5_000 });
  await client.connect();
  return client;
}

/** Drops and creates the database `name`, then applies the migrations (a production server does not migrate on start). */
export async function freshDatabase(adminUrl: string, name: string, migrate = true): Promise<void> {
  const client = await adminClient(adminUrl);
  try {
    await client.query(`drop database if exists ${name} with (force)`);
    await client.query(`create database ${name}`);
  } finally {
    await client.end();
  }
  if (migrate) await migrateDatabase(adminUrl, name);
}

/** Applies this checkout's pending migrations to the bench database. */
export async function migrateDatabase(adminUrl: string, name: string): Promise<void> {
  const { db } = connect({ kind: 'postgres', url: databaseUrl(adminUrl, name), poolMax: 1 });
  try {
    const results = await migrateToLatest(db);
    log(`migrations: ${results.map((r) => `${r.migrationName} ${r.status}`).join(', ') || 'none'}`);
  } finally {
    await db.destroy();
  }
}

/** The app of git commit `ref`, built in a temporary folder with this checkout's node_modules: answers that folder. */
export async function buildBaseline(root: string, ref: string): Promise<string> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'todo-bench-baseline-'));
  await run('sh', ['-c', 'git -C "$1" archive "$2" | tar -x -C "$3"', 'sh', root, ref, dir], root);
  symlinkSync(path.join(root, 'node_modules'), path.join(dir, 'node_modules'));
  await run(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], dir);
  return dir;
}

/** The node flags of package.json's start script, so ours is measured as `npm start` runs it. */
function startFlags(root: string): string[] {
  const start = (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start;
  const words = start.split(/\s+/);
  const from = words.indexOf('node');
  const to = words.indexOf('dist/src/server.js');
  if (from < 0 || to < from) throw new Error(`package.json's start script is not "… node [flags] dist/src/server.js": ${start}`);
  return words.slice(from + 1, to);
}

export interface StartOptions {
  /** The checkout whose scripts/bench servers run; for ours and the baseline, the folder of the built app. */
  root: string;
  env: Record<string, string>;
  logDir: string;
  /** node --cpu-prof into this folder (written when the process exits). */
  profileDir?: string | undefined;
}

export async function startServer(kind: ServerKind, options: StartOptions): Promise<Server> {
  const { root, env, logDir } = options;
  const port = await freePort();
  const app = kind === 'ours' || kind === 'base';
  const script = app
    ? [...startFlags(root), path.join(root, 'dist/src/server.js')]
    : ['--import', 'tsx', path.join(root, 'scripts/bench', `${kind}-server.ts`)];
  if (options.profileDir) mkdirSync(options.profileDir, { recursive: true });
  const profile = options.profileDir ? ['--cpu-prof', '--cpu-prof-dir', options.profileDir] : [];
  // A clean environment (nothing from the shell); the app runs in an empty folder, so no .env is read either.
  const cwd = app ? mkdtempSync(path.join(os.tmpdir(), 'todo-bench-')) : root;
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
  child.once('exit', () => {
    out.end();
    if (app) rmSync(cwd, { recursive: true, force: true });
  });

  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline && !exited(server)) {
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
    `${LABEL[kind]} did not become ready (GET /ready); its output (${logFile}):\n${readFileSync(logFile, 'utf8').slice(-2000)}`,
  );
}

export const exited = (server: Server): boolean => server.child.exitCode !== null || server.child.signalCode !== null;
