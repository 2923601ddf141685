// Start-up with REDIS_URL: the server waits for Redis's first connection (at most START_WAIT_MS,
// 1 s), so a new process counts failed authentications from its first request; when Redis does
// not answer it starts anyway and serves, uncounted (fail open), and counts once Redis answers.
// A TCP proxy between the app and Redis holds the connection to make Redis slow or silent at start;
// a server that reads and never writes is a Redis that accepts and never answers.
//
// "The wait ends at START_WAIT_MS" is checked against a control timer of the same length started
// once the wait has begun (its counter_store_waiting log line): the wait's own timer was set first,
// so when the control fires the wait is over, however slow or busy the machine. A wait that hung
// on ioredis (its connect timeout ends at the TCP connection; a silent Redis never completes the
// handshake) or lasted longer than promised is still running then. The rest of start-up is bounded
// by tap's timeout only: it is CPU work (the database, the contract) whose time measures the machine.
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import t, { type Test } from 'tap';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.js';
import { redisCounterStore, START_WAIT_MS } from '../../src/counters/counter-store.js';
import { assertMatchesContract, FORGED_AUTHORIZATION, freshDatabase, testConfig, tokenFor } from '../helper.js';
import type { TcpProxy } from '../support/tcp-proxy.js';
import { proxiedRedis, redisMissing, silentRedis, skipBanner, uniquePrefix } from '../support/redis.js';

/** A guard against a hang, not a timing claim: Redis reconnects within a second of answering. */
const HANG_GUARD_MS = 60_000;

interface LogLine {
  event?: string;
  time?: number;
}

/** Collects log lines; when the start-up wait begins, starts a control timer of START_WAIT_MS that records whether the wait has ended. */
function waitWatcher(): { lines: LogLine[]; write: (line: LogLine) => void; endedByControl: Promise<boolean> } {
  const lines: LogLine[] = [];
  let report: (ended: boolean) => void = () => {};
  const endedByControl = new Promise<boolean>((resolve) => (report = resolve));
  const write = (line: LogLine) => {
    lines.push(line);
    if (line.event !== 'counter_store_waiting') return;
    setTimeout(() => report(lines.some((l) => l.event === 'counter_store_start_without_redis')), START_WAIT_MS);
  };
  return { lines, write, endedByControl };
}

function logTo(write: (line: LogLine) => void): FastifyBaseLogger {
  return {
    info: (fields: LogLine) => write(fields),
    warn: (fields: LogLine) => write(fields),
  } as unknown as FastifyBaseLogger;
}

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
async function appBehindStalledRedis(t: Test, log: (line: LogLine) => void): Promise<{ proxy: TcpProxy; start: Promise<FastifyInstance> }> {
  const { proxy, url } = await proxiedRedis(t);
  proxy.stall();
  const { prefix, cleanUp } = uniquePrefix();
  t.teardown(cleanUp);
  const database = await freshDatabase(t);
  const start = (async () => {
    const app = await buildApp(testConfig({ REDIS_URL: url, REDIS_KEY_PREFIX: prefix, AUTH_RATE_LIMIT_MAX: '1', LOG_LEVEL: 'info' }), {
      database,
      logger: { write: (line) => log(JSON.parse(line)) },
    });
    t.teardown(() => app.close());
    await app.ready();
    return app;
  })();
  return { proxy, start };
}

t.test('the start-up wait is the promised second', async (t) => {
  t.ok(START_WAIT_MS <= 1_000, `START_WAIT_MS is ${START_WAIT_MS} ms`);
});

t.test('a Redis that accepts and never answers: the store stops waiting at START_WAIT_MS, and closes without waiting', async (t) => {
  const url = await silentRedis(t);
  const { lines, write, endedByControl } = waitWatcher();
  let opened = false;
  const opening = redisCounterStore(url, 'todo-api-test:silent:', logTo(write)).then((store) => {
    opened = true;
    return store;
  });
  t.ok(await endedByControl, 'the wait was over when a control timer of START_WAIT_MS, started after it, fired');
  t.ok(opened, 'and the store had resolved: start-up goes on');
  const store = await opening;
  t.same(store.status(), { store: 'redis', healthy: false }, 'not healthy: Redis has not answered');
  t.equal(lines.filter((l) => l.event === 'counter_store_start_without_redis').length, 1, 'starting without Redis is logged once');
  const closing = store.close().then(() => 'closed');
  t.equal(await Promise.race([closing, nextTurn().then(() => 'waiting on I/O')]), 'closed', 'close() waits for nothing from Redis');
});

const missing = await redisMissing();
if (missing) {
  console.error(skipBanner(missing));
  t.skip(skipBanner(missing), () => {});
} else {
  t.test('Redis slow to answer at start: the store is ready when start-up goes on, and the first failure is counted', async (t) => {
    // The store alone: it resolves only once connected.
    const { proxy: slow, url: slowUrl } = await proxiedRedis(t);
    slow.stall();
    const { prefix, cleanUp } = uniquePrefix();
    t.teardown(cleanUp);
    const began = performance.now();
    setTimeout(() => slow.restore(), 300);
    const store = await redisCounterStore(
      slowUrl,
      prefix,
      logTo(() => {}),
    );
    t.teardown(() => store.close());
    // A lower bound only: a timer never fires early, however busy the machine.
    t.ok(performance.now() - began >= 300, `resolved after Redis answered (${Math.round(performance.now() - began)} ms)`);
    t.same(store.status(), { store: 'redis', healthy: true }, 'and connected');

    // The app: its first failure counts.
    const { proxy, start } = await appBehindStalledRedis(t, () => {});
    await sleep(300);
    proxy.restore();
    const app = await start;
    const ready = await app.inject({ method: 'GET', url: '/ready' });
    t.same(ready.json(), { status: 'ready', counters: { store: 'redis', healthy: true } }, 'the app is ready, with Redis connected');
    t.equal(await failFrom(app, '198.51.100.7'), 401, 'the first failure');
    t.equal(await failFrom(app, '198.51.100.7'), 429, 'the second is over the limit of 1: the first was counted');
  });

  t.test('Redis silent at start: the server starts after the wait, serves uncounted, and counts once Redis answers', async (t) => {
    const { lines, write, endedByControl } = waitWatcher();
    const { proxy, start } = await appBehindStalledRedis(t, write);
    const app = await start;
    t.ok(await endedByControl, 'the start-up wait was over when a control timer of START_WAIT_MS, started after it, fired');
    const waiting = lines.find((l) => l.event === 'counter_store_waiting');
    const gaveUp = lines.find((l) => l.event === 'counter_store_start_without_redis');
    t.comment(`the wait, from the log's own timestamps: ${gaveUp!.time! - waiting!.time!} ms`);
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
    const until = performance.now() + HANG_GUARD_MS;
    while ((await app.inject({ method: 'GET', url: '/ready' })).json().counters.healthy !== true) {
      if (performance.now() > until) throw new Error(`Redis did not become healthy within ${HANG_GUARD_MS} ms of answering`);
      await sleep(50);
    }
    t.equal(await failFrom(app, '198.51.100.9'), 401, 'once Redis answers: a first failure');
    t.equal(await failFrom(app, '198.51.100.9'), 429, 'and the second is limited');
  });
}
