// Migrate once, clone per test. A test's fresh database is a copy of one migrated when the
// migrations last changed, instead of an empty one that the app then migrates:
// - PGlite: a migrated data folder, dumped once (and cached on disk between test processes, keyed
//   by the migrations' content and PGlite's version), loaded into every new in-memory instance
//   together with PGlite's compiled WebAssembly, so a new instance runs neither initdb nor the
//   migrations and compiles nothing (src/db/pglite.ts, PGliteImage). An empty database
//   (freshDatabase(), the Better Auth test server) starts from a dumped initdb the same way.
// - PostgreSQL: CREATE DATABASE … TEMPLATE todo_test_template_<hash>, made once under an advisory
//   lock and kept for the next runs (a new migration has a new hash, so a new template).
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite, type PGliteOptions } from '@electric-sql/pglite';
import type pg from 'pg';
import { connect } from '../../src/db/connect.js';
import { overPGlite, PGLITE_OPTIONS, type PGliteImage } from '../../src/db/pglite.js';
import { migrateToLatest } from '../../src/db/migrate.js';

const MIGRATIONS_DIR = fileURLToPath(new URL('../../src/db/migrations/', import.meta.url));
const PGLITE_DIST = path.dirname(createRequire(import.meta.url).resolve('@electric-sql/pglite'));

/** Changes whenever a migration file (or the PGlite version) does. */
export const migrationsHash: string = (() => {
  const hash = createHash('sha256');
  hash.update(String((JSON.parse(readFileSync(path.join(PGLITE_DIST, '..', 'package.json'), 'utf8')) as { version: string }).version));
  for (const name of readdirSync(MIGRATIONS_DIR).sort()) hash.update(`\0${name}\0`).update(readFileSync(path.join(MIGRATIONS_DIR, name)));
  return hash.digest('hex').slice(0, 12);
})();

// This project's TypeScript lib has no WebAssembly declarations (no DOM); Node has the global.
const wasm = (globalThis as unknown as { WebAssembly: { compile(bytes: Uint8Array): Promise<PGliteImage['wasmModule']> } }).WebAssembly;

let compiled: Promise<Omit<PGliteImage, 'dataDir'>> | undefined;

/** PGlite's WebAssembly, compiled once per process, and its file-system bundle, read once. */
function compiledPGlite(): Promise<Omit<PGliteImage, 'dataDir'>> {
  compiled ??= (async () => ({
    wasmModule: await wasm.compile(readFileSync(path.join(PGLITE_DIST, 'pglite.wasm'))),
    fsBundle: new Blob([readFileSync(path.join(PGLITE_DIST, 'pglite.data'))]),
  }))();
  return compiled;
}

const cacheDir = path.join(os.tmpdir(), 'todo-api-test-templates');

/** A data folder from the disk cache, or made by `make`, dumped and cached for the next processes. */
async function cachedImage(name: string, make: (pglite: PGlite) => Promise<void>, options: PGliteOptions): Promise<PGliteImage> {
  const { wasmModule, fsBundle } = await compiledPGlite();
  const cached = path.join(cacheDir, `${name}-${migrationsHash}.tar`);
  if (existsSync(cached)) return { dataDir: new Blob([readFileSync(cached)]), wasmModule, fsBundle };
  const pglite = await PGlite.create({ ...options, ...(wasmModule ? { pgliteWasmModule: wasmModule } : {}), fsBundle });
  try {
    await make(pglite);
    const dataDir = await pglite.dumpDataDir('none');
    // Written under a unique name, then renamed: concurrent test processes never read half a file.
    mkdirSync(cacheDir, { recursive: true });
    const partial = `${cached}.${process.pid}.partial`;
    writeFileSync(partial, Buffer.from(await dataDir.arrayBuffer()));
    renameSync(partial, cached);
    return { dataDir, wasmModule, fsBundle };
  } finally {
    await pglite.close();
  }
}

let image: Promise<PGliteImage> | undefined;

/** The migrated PGlite image of this process (made or read from the disk cache on first use). */
export function migratedPGliteImage(): Promise<PGliteImage> {
  image ??= cachedImage(
    'pglite',
    async (pglite) => {
      const db = overPGlite(pglite);
      await migrateToLatest(db);
    },
    PGLITE_OPTIONS,
  );
  return image;
}

let empty: Promise<PGliteImage> | undefined;

/** An empty database's image (initdb only): a new instance from it skips initdb, ~1–2 s of CPU. */
export function emptyPGliteImage(): Promise<PGliteImage> {
  empty ??= cachedImage('pglite-empty', async () => {}, {});
  return empty;
}

/**
 * A new DATA_DIR (under `dir`) whose pglite/ folder already holds what initdb makes, written from
 * the empty image: the on-disk database a first start would leave before migrating, for ~2 s of CPU
 * instead of initdb's ~8. The first start on a really empty folder is still run by the process
 * tests (test/process/, test:slow) and test/db/migrate-cli.test.ts.
 */
export async function initialisedDataDir(dir: string): Promise<string> {
  const { dataDir, wasmModule, fsBundle } = await emptyPGliteImage();
  const pglite = await PGlite.create({
    dataDir: path.join(dir, 'pglite'),
    loadDataDir: dataDir,
    ...(wasmModule ? { pgliteWasmModule: wasmModule } : {}),
    fsBundle,
  });
  await pglite.close();
  return dir;
}

const templateName = `todo_test_template_${migrationsHash}`;
let template: Promise<string> | undefined;

/**
 * The migrated template database on the PostgreSQL server behind `admin` (made once, by whichever
 * test process gets there first). `directUrl`: a direct URL to that server (never a pooled one).
 */
export function migratedPostgresTemplate(
  admin: <T>(fn: (client: pg.Client) => Promise<T>) => Promise<T>,
  directUrl: string,
): Promise<string> {
  template ??= admin(async (client) => {
    await client.query('select pg_advisory_lock(hashtext($1))', [templateName]);
    try {
      const { rowCount } = await client.query('select 1 from pg_database where datname = $1', [templateName]);
      if (rowCount) return templateName;
      // Built under another name and renamed when complete, so a crash never leaves half a template.
      const building = `${templateName}_building`;
      await client.query(`drop database if exists ${building} with (force)`);
      await client.query(`create database ${building}`);
      const url = new URL(directUrl);
      url.pathname = `/${building}`;
      const { db } = connect({ kind: 'postgres', url: url.toString(), poolMax: 1 });
      try {
        await migrateToLatest(db);
      } finally {
        await db.destroy();
      }
      await client.query(`alter database ${building} rename to ${templateName}`);
      return templateName;
    } finally {
      await client.query('select pg_advisory_unlock(hashtext($1))', [templateName]);
    }
  });
  return template;
}
