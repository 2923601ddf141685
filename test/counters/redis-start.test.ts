// Start-up with REDIS_URL: the server waits for Redis's first connection (at most 1 s), so a new
// process counts failed authentications from its first request; when Redis does not answer it
// starts anyway and serves, uncounted (fail open), and counts once Redis answers.
// A TCP proxy between the app and Redis holds the connection to make Redis slow or silent at start.
import { setTimeout as sleep } from 'node:timers/promises';
import t, { type Test } from 'tap';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.js';
import { redisCounterStore } from '../../src/counters/counter-store.js';
import { assertMatchesContract, FORGED_AUTHORIZATION, freshDatabase, testConfig, tokenFor } from '../helper.js';
import type { TcpProxy } from '../support/tcp-proxy.js';
import { proxiedRedis, redisMissing, skipBanner, uniquePrefix } from '../support/redis.js';

async function failFrom(app: FastifyInstance, address: string): Promise<number> {
  const res = await app.inject({
    method: 'GET',
    url: '/api/tasks',
    remoteAddress: address,
    headers: { authorization: FORGED_AUTHORIZATION },
  });
  await assertMatchesContract('GET', '/api/tasks', res);
  return res.statusCode;
}

/** An app whose Redis is behind a proxy that holds every connection until the test restores it; MAX 1 failure per address. */
async function appBehindStalledRedis(t: Test): Promise<{ proxy: TcpProxy; start: Promise<FastifyInstance> }> {
  const { proxy, url } = await proxiedRedis(t);
  proxy.stall();
  const { prefix, cleanUp } = uniquePrefix();
  t.teardown(cleanUp);
  const database = await freshDatabase(t);
  const start = (async () => {
    const app = await buildApp(testConfig({ REDIS_URL: url, REDIS_KEY_PREFIX: prefix, AUTH_RATE_LIMIT_MAX: '1' }), { database });
    t.teardown(() => app.close());
    await app.ready();
    return app;
  })();
  return { proxy, start };
}

const missing = await redisMissing();
if (missing) {
  console.error(skipBanner(missing));
  t.skip(skipBanner(missing), () => {});
} else {
  t.test('Redis slow to answer at start: the store is ready when start-up goes on, and the first failure is counted', async (t) => {
    // The store alone: it resolves only once connected (it used to resolve at once, still connecting).
    const { proxy: slow, url: slowUrl } = await proxiedRedis(t);
    slow.stall();
    const { prefix, cleanUp } = uniquePrefix();
    t.teardown(cleanUp);
    const began = Date.now();
    setTimeout(() => slow.restore(), 300);
    const store = await redisCounterStore(slowUrl, prefix, { warn: () => {}, info: () => {} } as unknown as FastifyBaseLogger);
    t.teardown(() => store.close());
    t.ok(Date.now() - began >= 290, `resolved after Redis answered (${Date.now() - began} ms)`);
    t.same(store.status(), { store: 'redis', healthy: true }, 'and connected');

    // The app: its first failure counts.
    const { proxy, start } = await appBehindStalledRedis(t);
    await sleep(300);
    proxy.restore();
    const app = await start;
    const ready = await app.inject({ method: 'GET', url: '/ready' });
    t.same(ready.json(), { status: 'ready', counters: { store: 'redis', healthy: true } }, 'the app is ready, with Redis connected');
    t.equal(await failFrom(app, '198.51.100.7'), 401, 'the first failure');
    t.equal(await failFrom(app, '198.51.100.7'), 429, 'the second is over the limit of 1: the first was counted');
  });

  t.test('Redis silent at start: the server starts within the wait, serves uncounted, and counts once Redis answers', async (t) => {
    const { proxy, start } = await appBehindStalledRedis(t);
    const began = Date.now();
    const app = await start;
    const took = Date.now() - began;
    t.ok(took < 5_000, `started without Redis (${took} ms; the wait is 1 s)`);
    const ready = await app.inject({ method: 'GET', url: '/ready' });
    t.equal(ready.statusCode, 200, '/ready is 200: Redis is never a reason to refuse');
    t.same(ready.json().counters, { store: 'redis', healthy: false }, 'and says the counter store is not healthy');
    const list = await app.inject({ method: 'GET', url: '/api/tasks', headers: { authorization: `Bearer ${tokenFor('alice')}` } });
    t.equal(list.statusCode, 200, 'a valid request is served');
    t.same(
      [await failFrom(app, '198.51.100.8'), await failFrom(app, '198.51.100.8')],
      [401, 401],
      'failures are answered, uncounted (fail open)',
    );

    proxy.restore();
    const until = Date.now() + 10_000;
    while ((await app.inject({ method: 'GET', url: '/ready' })).json().counters.healthy !== true) {
      if (Date.now() > until) throw new Error('Redis did not become healthy within 10 s of answering');
      await sleep(50);
    }
    t.equal(await failFrom(app, '198.51.100.9'), 401, 'once Redis answers: a first failure');
    t.equal(await failFrom(app, '198.51.100.9'), 429, 'and the second is limited');
  });
}
