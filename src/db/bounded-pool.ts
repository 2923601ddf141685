// pg.Pool with a bounded wait queue. pg.Pool queues every connect() while all connections are in
// use, without limit: under overload each request waits (up to connectionTimeoutMillis) and
// latency grows for everyone. Beyond `queueMax` waiters, connect() fails at once with
// PoolQueueFullError, which src/db/unavailable.ts classifies as unavailable: a fast 503 + Retry-After.
import pg from 'pg';

export class PoolQueueFullError extends Error {
  override name = 'PoolQueueFullError';
  readonly code = 'POOL_QUEUE_FULL';
  constructor(queueMax: number) {
    super(`connection pool queue is full (${queueMax} waiting)`);
  }
}

export class BoundedPool extends pg.Pool {
  readonly queueMax: number;

  constructor(config: pg.PoolConfig & { queueMax: number }) {
    const { queueMax, ...poolConfig } = config;
    super(poolConfig);
    this.queueMax = queueMax;
  }

  /** Would a connect() now have to wait, with `queueMax` already waiting? */
  isQueueFull(): boolean {
    const mustWait = this.idleCount === 0 && this.totalCount >= (this.options.max ?? 10);
    return mustWait && this.waitingCount >= this.queueMax;
  }

  override connect(): Promise<pg.PoolClient>;
  override connect(callback: (err: Error | undefined, client: pg.PoolClient | undefined, done: (release?: unknown) => void) => void): void;
  override connect(
    callback?: (err: Error | undefined, client: pg.PoolClient | undefined, done: (release?: unknown) => void) => void,
  ): Promise<pg.PoolClient> | void {
    if (this.isQueueFull()) {
      const error = new PoolQueueFullError(this.queueMax);
      if (!callback) return Promise.reject(error);
      process.nextTick(() => callback(error, undefined, () => {}));
      return;
    }
    return callback ? super.connect(callback) : super.connect();
  }
}
