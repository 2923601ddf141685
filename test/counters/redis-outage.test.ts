// Redis cut off, then hanging, mid-load (a TCP proxy between the app and Redis): requests keep
// being served (counting fails open, never a 5xx, never a long wait), /ready stays 200 and says
// the store is unhealthy, the outage is logged once (not once per request), and counting resumes
// when Redis answers again.
//
// "Never a long wait" is checked by what ends it, not by a wall-clock ceiling (a request's time on
// a busy machine measures the machine): the outage's logged error is ioredis's command timeout
// (COMMAND_TIMEOUT_MS), so a counting command is given up on that timer, not held until Redis
// answers. The slowest request is reported, not asserted.
import { setImmediate as yieldToTimers, setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.js';
import { assertMatchesContract, FORGED_AUTHORIZATION, freshDatabase, testConfig, tokenFor } from '../helper.js';
import { proxiedRedis, redisMissing, skipBanner, uniquePrefix } from '../support/redis.js';

const BAD = FORGED_AUTHORIZATION;
const MAX = 5;
/** A guard against a hang, not a timing claim: Redis reconnects within a second of answering. */
const HANG_GUARD_MS = 60_000;

const missing = await redisMissing();
if (missing) {
  console.error(skipBanner(missing));
  t.skip(skipBanner(missing), () => {});
} else {
  t.test('Redis cut and hung under load: served throughout, reported on /ready, counting resumes', async (t) => {
    const { proxy, url } = await proxiedRedis(t);
    const { prefix, cleanUp } = uniquePrefix();
    t.teardown(cleanUp);

    const logs: Array<{ event?: string; err?: { message?: string } }> = [];
    const app = await buildApp(
      testConfig({ REDIS_URL: url, REDIS_KEY_PREFIX: prefix, AUTH_RATE_LIMIT_MAX: String(MAX), LOG_LEVEL: 'info' }),
      { database: await freshDatabase(t), logger: { write: (line) => void logs.push(JSON.parse(line)) } },
    );
    t.teardown(() => app.close());
    await app.ready();
    await waitFor(app, true, 'Redis answers at start');

    // The load: valid requests and failures from ever-new addresses (never limited), all the time.
    const alice = `Bearer ${tokenFor('alice')}`;
    const statuses = new Map<number, number>();
    let slowest = 0;
    let n = 0;
    let running = true;
    const worker = async () => {
      while (running) {
        const i = n++;
        const started = performance.now();
        const res = await app.inject({
          method: 'GET',
          url: '/api/tasks',
          remoteAddress: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
          headers: { authorization: i % 2 ? alice : BAD },
        });
        slowest = Math.max(slowest, performance.now() - started);
        statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
        // inject() and an in-memory database may never touch I/O: let timers (and the test) run.
        await yieldToTimers();
      }
    };
    const workers = Array.from({ length: 8 }, worker);
    t.teardown(() => {
      running = false;
    });
    await sleep(300);

    // 1. Cut: connections refused and reset.
    const beforeCut = n;
    proxy.cut();
    await waitFor(app, false, 'cut: /ready reports the store unhealthy');
    t.same(await failures(app, '198.51.100.1', MAX + 5), Array(MAX + 5).fill(401), 'cut: failures answered 401, uncounted (fail open)');
    const duringCut = n - beforeCut;
    proxy.restore();
    await waitFor(app, true, 'restored after the cut');

    // 2. Hung: connections open, nothing answers (a Redis slower than the command timeout).
    const beforeHang = n;
    proxy.stall();
    const hung = await failures(app, '198.51.100.2', MAX + 5);
    t.same(hung, Array(MAX + 5).fill(401), 'hung: failures answered 401, uncounted');
    await waitFor(app, false, 'hung: /ready reports the store unhealthy');
    await sleep(300);

    // 3. Back: counting resumes. The load has shown what it is for (served through both outages) and
    // stops first: its workers share this event loop with the app, and on a busy machine they can
    // hold a counting command's reply past its timeout, which fails open by design.
    const duringHang = n - beforeHang;
    running = false;
    await Promise.all(workers);
    proxy.restore();
    await waitFor(app, true, 'restored after the hang');
    const back = await failures(app, '198.51.100.3', MAX + 1, true);
    t.same(back, [...Array(MAX).fill(401), 429], 'back: the limit counts again');

    t.comment(
      `load: ${n} requests, statuses ${JSON.stringify(Object.fromEntries(statuses))}, slowest ${Math.round(slowest)} ms (reported, not asserted)`,
    );
    t.same([...statuses.keys()].sort(), [200, 401], 'the load got only 200 and 401: no 429, no 5xx');
    t.ok(duringCut > 0 && duringHang > 0, `the load was served through both outages (${duringCut} requests cut, ${duringHang} hung)`);

    const outages = logs.filter((l) => l.event === 'counter_store_unavailable');
    t.equal(outages.at(-1)?.err?.message, 'Command timed out', 'the hung Redis: a counting command is given up at the command timeout');
    const down = outages.length;
    const up = logs.filter((l) => l.event === 'counter_store_available').length;
    t.ok(down >= 2 && down <= 4, `each outage logged once, not per request (${down} lines)`);
    t.ok(up >= 2 && up <= 4, `each recovery logged once (${up} lines)`);
  });
}

/** Sends `count` failing requests from `address` (concurrently, or one after the other) and returns their statuses. */
async function failures(app: FastifyInstance, address: string, count: number, sequential = false): Promise<number[]> {
  const one = async () => {
    const res = await app.inject({ method: 'GET', url: '/api/tasks', remoteAddress: address, headers: { authorization: BAD } });
    await assertMatchesContract('GET', '/api/tasks', res);
    return res.statusCode;
  };
  if (!sequential) return Promise.all(Array.from({ length: count }, one));
  const statuses = [];
  for (let i = 0; i < count; i++) statuses.push(await one());
  return statuses;
}

/** Polls /ready (always 200: the store never fails readiness) until its counters report `healthy`. */
async function waitFor(app: FastifyInstance, healthy: boolean, what: string): Promise<void> {
  const until = performance.now() + HANG_GUARD_MS;
  for (;;) {
    const res = await app.inject({ method: 'GET', url: '/ready' });
    await assertMatchesContract('GET', '/ready', res);
    if (res.statusCode !== 200) throw new Error(`${what}: /ready answered ${res.statusCode}`);
    if (res.json().counters.healthy === healthy) return;
    if (performance.now() > until) throw new Error(`${what}: /ready did not report healthy=${healthy} within ${HANG_GUARD_MS} ms`);
    await sleep(50);
  }
}
