// One in-memory PGlite reused by the apps of a test file, instead of a new one per app: starting an
// instance (even from the migrated image, test/support/templates.ts) costs ~0.7 s of CPU, emptying
// one ~0.05 s. build() lends the app an instance; the app's db.destroy() (app.close(), or a test
// that destroys it to simulate an outage) gives it back, and it is only reused if it is again
// exactly what a fresh copy of the template is:
// - the tables that are empty in the template are emptied (TRUNCATE … RESTART IDENTITY);
// - then a fingerprint of everything else a test could have changed must equal the template's:
//   the schema (relations, columns, defaults, constraints, indexes, triggers, functions, types,
//   enum labels, extensions), the rows of the tables the template has rows in (the migrations'
//   bookkeeping), session settings, prepared statements, advisory locks, an open transaction.
// Anything else (a test dropped a table, SET a setting, left a transaction open) closes the
// instance instead, and the next app gets a new one. One process per test file, so test files
// never share an instance.
import { PGlite } from '@electric-sql/pglite';
import { PGLITE_OPTIONS, type LentPGlite, type PGliteImage } from '../../src/db/pglite.js';
import { FINGERPRINT, KEPT_ROWS, TABLES } from './database-fingerprint.js';

interface Template {
  /** Emptied on every return. */
  readonly emptyTables: string[];
  /** Their rows are part of the fingerprint. */
  readonly keptTables: string[];
  readonly fingerprint: string;
}

let template: Promise<Template> | undefined;
const idle: PGlite[] = [];
/** Instances kept for reuse; more are closed (a test that holds several apps at once needs several). */
const IDLE_MAX = 2;
/**
 * An open PGlite keeps the process alive, so idle ones are closed when no app asks for one for this
 * long: the next test of the file starts well within it, and the file's process can end after it.
 */
const IDLE_MS = 250;
let idleTimer: NodeJS.Timeout | undefined;

/** An instance for one app: an idle one, or a new one started from `image`. */
export async function lendPGlite(image: PGliteImage): Promise<LentPGlite> {
  clearTimeout(idleTimer);
  const pglite = idle.pop() ?? (await open(image));
  let given: Promise<void> | undefined;
  return { pglite, giveBack: () => (given ??= giveBack(pglite)) };
}

function closeIdleLater(): void {
  clearTimeout(idleTimer);
  idleTimer = setTimeout(() => {
    for (const pglite of idle.splice(0)) void pglite.close().catch(() => {});
  }, IDLE_MS);
  idleTimer.unref();
}

async function open(image: PGliteImage): Promise<PGlite> {
  const pglite = new PGlite({
    ...PGLITE_OPTIONS,
    loadDataDir: image.dataDir,
    ...(image.wasmModule ? { pgliteWasmModule: image.wasmModule } : {}),
    ...(image.fsBundle ? { fsBundle: image.fsBundle } : {}),
  });
  template ??= describeTemplate(pglite);
  await template;
  return pglite;
}

/** Read off the first instance, before any app has used it. */
async function describeTemplate(pglite: PGlite): Promise<Template> {
  const { rows } = await pglite.query<{ name: string }>(TABLES);
  const emptyTables: string[] = [];
  const keptTables: string[] = [];
  for (const { name } of rows) {
    const { rows: some } = await pglite.query(`select 1 from ${name} limit 1`);
    (some.length === 0 ? emptyTables : keptTables).push(name);
  }
  return { emptyTables, keptTables, fingerprint: await fingerprint(pglite, keptTables) };
}

async function fingerprint(pglite: PGlite, keptTables: string[]): Promise<string> {
  const parts = [(await pglite.query<{ fingerprint: string }>(FINGERPRINT)).rows[0]!.fingerprint];
  if (pglite.isInTransaction()) parts.push('in a transaction');
  for (const table of keptTables) {
    parts.push((await pglite.query<{ rows: string | null }>(KEPT_ROWS(table))).rows[0]!.rows ?? '');
  }
  return parts.join(' ');
}

async function giveBack(pglite: PGlite): Promise<void> {
  const { emptyTables, keptTables, fingerprint: expected } = await template!;
  try {
    if (emptyTables.length > 0) await pglite.exec(`truncate ${emptyTables.join(', ')} restart identity cascade`);
    if ((await fingerprint(pglite, keptTables)) === expected && idle.length < IDLE_MAX) {
      idle.push(pglite);
      closeIdleLater();
      return;
    }
  } catch {
    // Not reusable (e.g. a failed transaction left open): closed below.
  }
  await pglite.close().catch(() => {});
}
