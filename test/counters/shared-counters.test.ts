// REDIS_URL: the failed-authentication limit is counted in Redis, so several app instances (here
// two in one process, each with its own client; the cluster test does it with real processes
// behind HAProxy) share one count per client address. Without it each counts on its own.
import t from 'tap';
import type { FastifyInstance } from 'fastify';
import { assertMatchesContract, build, FORGED_AUTHORIZATION } from '../helper.js';
import { REDIS_URL, redisMissing, skipBanner, uniquePrefix } from '../support/redis.js';

const BAD = FORGED_AUTHORIZATION;

async function failFrom(app: FastifyInstance, address: string): Promise<number> {
  const res = await app.inject({ method: 'GET', url: '/api/tasks', remoteAddress: address, headers: { authorization: BAD } });
  await assertMatchesContract('GET', '/api/tasks', res);
  return res.statusCode;
}

const missing = await redisMissing();
if (missing) {
  console.error(skipBanner(missing));
  t.skip(skipBanner(missing), () => {});
} else {
  t.test('two instances on one Redis share the count: the 5th failure is 429 whichever answers', async (t) => {
    const { prefix, cleanUp } = uniquePrefix();
    t.teardown(cleanUp);
    const env = { REDIS_URL, REDIS_KEY_PREFIX: prefix, AUTH_RATE_LIMIT_MAX: '4', AUTH_RATE_LIMIT_WINDOW_SECONDS: '60' };
    const a = await build(t, { env });
    const b = await build(t, { env });
    const statuses = [];
    for (const app of [a, b, a, b]) statuses.push(await failFrom(app, '198.51.100.1'));
    t.same(statuses, [401, 401, 401, 401], 'four failures, alternating instances');
    t.equal(await failFrom(a, '198.51.100.1'), 429, 'the 5th, on instance a');
    t.equal(await failFrom(b, '198.51.100.1'), 429, 'the 6th, on instance b');
    t.equal(await failFrom(b, '198.51.100.2'), 401, 'another address has its own count');

    const ready = await a.inject({ method: 'GET', url: '/ready' });
    await assertMatchesContract('GET', '/ready', ready);
    t.same(ready.json(), { status: 'ready', counters: { store: 'redis', healthy: true } });
  });

  t.test('without REDIS_URL each instance counts on its own (what Redis fixes)', async (t) => {
    const env = { AUTH_RATE_LIMIT_MAX: '4' };
    const a = await build(t, { env });
    const b = await build(t, { env });
    const statuses = [];
    for (const app of [a, b, a, b, a, b, a, b]) statuses.push(await failFrom(app, '198.51.100.1'));
    t.same(statuses, Array(8).fill(401), 'eight failures, four per instance, none limited');
  });
}
