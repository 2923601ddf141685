// Opens the per-client counter store (src/counters/counter-store.ts) once per app and closes it
// with the app. With a Redis configured, start-up waits for Redis's first answer at most
// START_WAIT_MS (1 s), then goes on without it: the app starts, and serves, with Redis down or
// silent (counting is skipped until it answers). Closing does not wait for Redis.
import fp from 'fastify-plugin';
import { memoryCounterStore, redisCounterStore, type CounterStore } from '../counters/counter-store.js';

declare module 'fastify' {
  interface FastifyInstance {
    counterStore: CounterStore;
  }
}

export interface CounterStoreOptions {
  /** config.redis: null keeps the counters in this process. */
  redis: { url: string; keyPrefix: string } | null;
}

export default fp<CounterStoreOptions>(
  async (app, { redis }) => {
    const store = redis ? await redisCounterStore(redis.url, redis.keyPrefix, app.log) : memoryCounterStore();
    app.decorate('counterStore', store);
    app.addHook('onClose', () => store.close());
  },
  { name: 'counter-store' },
);
