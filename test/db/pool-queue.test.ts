// The PostgreSQL pool's wait queue is bounded (DB_POOL_QUEUE_MAX): with every connection busy and
// the queue full, further requests get an immediate 503 + Retry-After, never a 500 or a long wait.
import t from 'tap';
import { sql } from 'kysely';
import { buildApp } from '../../src/app.js';
import { PoolQueueFullError } from '../../src/db/bounded-pool.js';
import { isDatabaseUnavailable } from '../../src/db/unavailable.js';
import { call, freshDatabase, POSTGRES_URL, testConfig } from '../helper.js';

t.test('a full pool queue is classified as unavailable (503)', async (t) => {
  t.ok(isDatabaseUnavailable(new PoolQueueFullError(2)));
  t.ok(isDatabaseUnavailable(new Error('wrapped', { cause: new PoolQueueFullError(2) })));
});

t.test(
  'pool of 1, queue of 2: the overflow gets 503 at once, the queued requests are served',
  { skip: !POSTGRES_URL && 'needs TEST_DATABASE_URL (runs in the PostgreSQL pass of .ci/run)' },
  async (t) => {
    const target = await freshDatabase(t);
    if (target.kind !== 'postgres') throw new Error('unreachable');
    // The periodic jobs would take the one connection at start-up; this test is about requests.
    const app = await buildApp(testConfig(), { logger: false, database: { ...target, poolMax: 1, queueMax: 2 }, backgroundJobs: false });
    t.teardown(() => app.close());
    await app.ready();
    t.equal(
      (await call(app, { method: 'GET', url: '/api/tasks', as: 'alice' })).statusCode,
      200,
      'alice is known (her user row is cached)',
    );

    // Hold the only connection for a second.
    const hold = sql`select pg_sleep(1)`.execute(app.db);
    await new Promise((r) => setTimeout(r, 100));

    const started = performance.now();
    const results = await Promise.all(
      Array.from({ length: 20 }, async () => {
        const res = await call(app, { method: 'GET', url: '/api/tasks', as: 'alice' });
        return {
          status: res.statusCode,
          ms: performance.now() - started,
          body: res.json() as { error?: string },
          retryAfter: res.headers['retry-after'],
        };
      }),
    );
    await hold;

    const ok = results.filter((r) => r.status === 200);
    const shed = results.filter((r) => r.status === 503);
    t.equal(ok.length, 2, 'the two queued requests are served once the connection is free');
    t.equal(shed.length, 18, 'the other 18 get 503');
    t.equal(results.filter((r) => r.status >= 500 && r.status !== 503).length, 0, 'no 500');
    t.ok(
      shed.every((r) => r.body.error === 'service_unavailable' && r.retryAfter === '2'),
      'service_unavailable with Retry-After',
    );
    const slowestShed = Math.max(...shed.map((r) => r.ms));
    // The connection is held until ~900 ms: every 503 must come well before that, and before the first
    // served answer. 600 ms leaves room for a machine busy with CPU-heavy test files.
    const firstServed = Math.min(...ok.map((r) => r.ms));
    t.ok(
      slowestShed < 600 && slowestShed < firstServed,
      `all 503s within ${slowestShed.toFixed(0)} ms, while the connection was still held`,
    );
    t.ok(firstServed > 700, 'the served ones waited for the connection');
    t.comment(`503s after at most ${slowestShed.toFixed(1)} ms; the 2 queued served after ${firstServed.toFixed(0)} ms`);
  },
);
