// On PostgreSQL (TEST_DATABASE_URL), build()'s databases are reused by the apps of a test file the
// way test/support/reused-pglite.ts reuses PGlite instances: a CREATE DATABASE … TEMPLATE and a
// DROP DATABASE per app were most of the time of the database passes of .ci/run. Once an app is
// closed its database is emptied (TRUNCATE of the tables empty in the template) and kept only if
// its fingerprint (test/support/database-fingerprint.ts) equals the template's; otherwise, or if
// the TRUNCATE waits on a lock (a connection the app left behind), it is dropped. The databases
// still idle when the process is about to exit are dropped then.
import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { FINGERPRINT, KEPT_ROWS, TABLES } from './database-fingerprint.js';

type Admin = <T>(fn: (client: pg.Client) => Promise<T>, database?: string) => Promise<T>;

interface Template {
  readonly emptyTables: string[];
  readonly keptTables: string[];
  readonly fingerprint: string;
}

let described: Promise<Template> | undefined;
const idle: string[] = [];
const IDLE_MAX = 2;
let dropAtExit: Admin | undefined;

/** A database copied from `template`, idle or new, for one app; `giveBack` once the app is closed. */
export async function lendPostgresDatabase(admin: Admin, template: string): Promise<{ name: string; giveBack(): Promise<void> }> {
  if (!dropAtExit) {
    dropAtExit = admin;
    process.on('beforeExit', () => void dropIdle());
  }
  let name = idle.pop();
  if (!name) {
    name = `todo_test_${randomBytes(6).toString('hex')}`;
    await admin(async (client) => client.query(`CREATE DATABASE ${name} TEMPLATE ${template}`));
    const created = name;
    described ??= admin((client) => describe(client), created);
    await described;
  }
  const lent = name;
  return { name: lent, giveBack: () => giveBack(admin, lent) };
}

async function describe(client: pg.Client): Promise<Template> {
  const emptyTables: string[] = [];
  const keptTables: string[] = [];
  for (const { name } of (await client.query<{ name: string }>(TABLES)).rows) {
    ((await client.query(`select 1 from ${name} limit 1`)).rowCount ? keptTables : emptyTables).push(name);
  }
  return { emptyTables, keptTables, fingerprint: await fingerprint(client, keptTables) };
}

async function fingerprint(client: pg.Client, keptTables: string[]): Promise<string> {
  const parts = [(await client.query<{ fingerprint: string }>(FINGERPRINT)).rows[0]!.fingerprint];
  for (const table of keptTables) parts.push((await client.query<{ rows: string | null }>(KEPT_ROWS(table))).rows[0]!.rows ?? '');
  return parts.join(' ');
}

async function giveBack(admin: Admin, name: string): Promise<void> {
  const { emptyTables, keptTables, fingerprint: expected } = await described!;
  const reusable = await admin(async (client) => {
    await client.query(`set lock_timeout = '2s'`);
    if (emptyTables.length > 0) await client.query(`truncate ${emptyTables.join(', ')} restart identity cascade`);
    await client.query('reset lock_timeout');
    return (await fingerprint(client, keptTables)) === expected;
  }, name).catch(() => false);
  if (reusable && idle.length < IDLE_MAX) idle.push(name);
  else await drop(admin, name);
}

function drop(admin: Admin, name: string): Promise<unknown> {
  return admin(async (client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
}

async function dropIdle(): Promise<void> {
  if (!dropAtExit || idle.length === 0) return;
  const admin = dropAtExit;
  await Promise.all(idle.splice(0).map((name) => drop(admin, name).catch(() => {})));
}
