// A PostgreSQL-family Kysely dialect whose real dialect (and so its modules) is loaded at the first
// query: Kysely initialises a driver once, before its first connection (Driver.init), which is
// where `load` runs. Compiling and the adapter need nothing loaded: they are PostgreSQL's.
import {
  PostgresIntrospector,
  PostgresQueryCompiler,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type Kysely,
  type TransactionSettings,
} from 'kysely';
import { TransactionLockedMigrationsAdapter } from './migrate.js';

export class LazyDialect implements Dialect {
  constructor(private readonly load: () => Promise<Dialect>) {}

  createDriver(): Driver {
    return new LazyDriver(this.load);
  }

  createAdapter(): TransactionLockedMigrationsAdapter {
    return new TransactionLockedMigrationsAdapter();
  }

  createQueryCompiler(): PostgresQueryCompiler {
    return new PostgresQueryCompiler();
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- Kysely's Dialect signature
  createIntrospector(db: Kysely<any>): PostgresIntrospector {
    return new PostgresIntrospector(db);
  }
}

class LazyDriver implements Driver {
  #driver: Driver | undefined;

  constructor(private readonly load: () => Promise<Dialect>) {}

  async init(): Promise<void> {
    const driver = (await this.load()).createDriver();
    try {
      await driver.init();
    } catch (error) {
      await driver.destroy().catch(() => {});
      throw error;
    }
    this.#driver = driver;
  }

  /** Kysely calls everything below only after init() succeeded. */
  get driver(): Driver {
    if (!this.#driver) throw new Error('the database driver is not initialised');
    return this.#driver;
  }

  acquireConnection(): Promise<DatabaseConnection> {
    return this.driver.acquireConnection();
  }

  beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    return this.driver.beginTransaction(connection, settings);
  }

  commitTransaction(connection: DatabaseConnection): Promise<void> {
    return this.driver.commitTransaction(connection);
  }

  rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    return this.driver.rollbackTransaction(connection);
  }

  releaseConnection(connection: DatabaseConnection): Promise<void> {
    return this.driver.releaseConnection(connection);
  }

  destroy(): Promise<void> {
    return this.driver.destroy();
  }
}
