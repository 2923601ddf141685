// The embedded database: PGlite under Kysely. Loaded only when the app runs on PGlite
// (src/db/connect.ts imports this module at the first query), so a server on PostgreSQL never
// loads PGlite's JavaScript and its extensions.
import { PGlite, type PGliteOptions } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { btree_gin } from '@electric-sql/pglite/contrib/btree_gin';
import { Kysely, type Dialect, type Driver } from 'kysely';
import { PGliteDialect } from 'kysely-pglite-dialect';
import { TransactionLockedMigrationsAdapter } from './migrate.js';
import type { Database } from './schema.js';

/** The extensions the migrations create (src/db/migrations/2026_12_01_0001_task_fields.ts), loaded into PGlite. */
export const PGLITE_OPTIONS: PGliteOptions = { extensions: { pg_trgm, btree_gin } };

/**
 * An open in-memory instance its owner lends to one app at a time (tests reuse one across the apps
 * of a test file: test/support/reused-pglite.ts): db.destroy() calls `giveBack` instead of closing it.
 */
export interface LentPGlite {
  readonly pglite: PGlite;
  giveBack(): Promise<void>;
}

/**
 * What a new in-memory embedded database can start from instead of an empty one (tests: a migrated
 * template, made once per process): a data folder dumped with PGlite's dumpDataDir(), and PGlite's
 * compiled WebAssembly module and file-system bundle, so the new instance skips initdb (a second
 * WebAssembly instance) and recompiling.
 */
export interface PGliteImage {
  readonly dataDir: Blob;
  readonly wasmModule?: PGliteOptions['pgliteWasmModule'];
  readonly fsBundle?: Blob;
}

/** Where the embedded database comes from: a lent instance, a new in-memory one (from `image` when given), or a data folder whose lock the caller holds. */
export type PGliteSource = { lent: LentPGlite } | { image: PGliteImage | undefined } | { dir: string; release: () => void };

// Uses the adapter whose migration lock migrate.ts takes inside the migration transaction (Kysely's
// own is session-level, unsafe through transaction pooling).
class PGliteDialectWithMigrationLock extends PGliteDialect {
  constructor(
    pglite: PGlite,
    /** Called once the database is closed (db.destroy()): releases the data folder's lock. */
    private readonly onDestroyed: () => void = () => {},
    /** A lent instance: db.destroy() gives it back instead of closing it. */
    private readonly giveBack?: () => Promise<void>,
  ) {
    super(pglite);
  }

  override createAdapter(): TransactionLockedMigrationsAdapter {
    return new TransactionLockedMigrationsAdapter();
  }

  override createDriver(): Driver {
    const driver = super.createDriver();
    if (this.giveBack) return lentDriver(driver, this.giveBack);
    const destroy = driver.destroy.bind(driver);
    driver.destroy = async () => {
      try {
        await destroy();
      } finally {
        this.onDestroyed();
      }
    };
    return driver;
  }
}

/** After destroy() the driver refuses queries as a closed one does, and the instance goes back to its owner (once). */
function lentDriver(driver: Driver, giveBack: () => Promise<void>): Driver {
  let given: Promise<void> | undefined;
  const acquire = driver.acquireConnection.bind(driver);
  driver.acquireConnection = async () => {
    if (given) throw new Error('PGLite not initialized');
    return acquire();
  };
  driver.destroy = () => (given ??= giveBack());
  return driver;
}

export function pgliteDialect(source: PGliteSource): Dialect {
  if ('lent' in source) return new PGliteDialectWithMigrationLock(source.lent.pglite, undefined, source.lent.giveBack);
  if ('dir' in source) return new PGliteDialectWithMigrationLock(new PGlite(source.dir, PGLITE_OPTIONS), source.release);
  return new PGliteDialectWithMigrationLock(new PGlite({ ...PGLITE_OPTIONS, ...inMemoryOptions(source.image) }));
}

function inMemoryOptions(image: PGliteImage | undefined): PGliteOptions | undefined {
  if (!image) return undefined;
  return {
    loadDataDir: image.dataDir,
    ...(image.wasmModule ? { pgliteWasmModule: image.wasmModule } : {}),
    ...(image.fsBundle ? { fsBundle: image.fsBundle } : {}),
  };
}

/** Kysely over an open PGlite instance, with the migration adapter connect() uses (tests build migrated templates with it). */
export function overPGlite(pglite: PGlite): Kysely<Database> {
  return new Kysely<Database>({ dialect: new PGliteDialectWithMigrationLock(pglite) });
}
