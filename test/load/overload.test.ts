// Load shedding: while the event loop lags, requests get a fast 503 `overloaded` with Retry-After
// (GET /health still answers), and once it clears they are served again.
import t, { type Test } from 'tap';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.js';
import { call, testConfig } from '../helper.js';

function blockEventLoop(ms: number): void {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    // busy: nothing else runs
  }
}

/** The app on in-memory PGlite, sampling the event loop every 50 ms; not ready yet (hooks may be added). */
async function appWithShedding(t: Test, maxDelayMs: string): Promise<FastifyInstance> {
  const app = await buildApp(testConfig({ OVERLOAD_MAX_EVENT_LOOP_DELAY_MS: maxDelayMs }), {
    logger: false,
    database: { kind: 'pglite', dataDir: undefined },
    overloadSampleIntervalMs: 50,
  });
  t.teardown(() => app.close());
  return app;
}

t.test('a blocked event loop sheds requests with 503 overloaded, then recovers', async (t) => {
  const app = await appWithShedding(t, '100');
  const elapsed = new Map<string, number>();
  app.addHook('onResponse', async (request, reply) => void elapsed.set(request.url, reply.elapsedTime));
  await app.ready();
  await new Promise((r) => setTimeout(r, 200)); // a quiet sample after start-up
  t.equal((await call(app, { method: 'GET', url: '/api/tasks', as: 'alice' })).statusCode, 200, 'served while not overloaded');

  // Sustained overload: every turn of the event loop is busy for 200 ms.
  const hog = setInterval(() => blockEventLoop(200), 0);
  await new Promise((r) => setTimeout(r, 300)); // the sampler has seen the lag
  const [shed, ready, health] = await Promise.all([
    call(app, { method: 'POST', url: '/api/tasks', as: 'alice', body: { title: 'not now' } }),
    call(app, { method: 'GET', url: '/ready' }),
    call(app, { method: 'GET', url: '/health' }),
  ]);
  clearInterval(hog);
  t.equal(shed.statusCode, 503);
  t.equal(shed.json().error, 'overloaded');
  t.equal(shed.headers['retry-after'], '2');
  const shedMs = elapsed.get('/api/tasks')!;
  // Within one turn of the hog (200 ms): answered where it arrived, not queued behind the lag or the
  // database. 20 ms was the bound before, and failed at 21.5 ms on a loaded CI machine; that the create
  // did nothing is checked below.
  t.ok(shedMs < 100, `answered in ${shedMs.toFixed(2)} ms, without waiting for a 200 ms turn of the lag`);
  t.equal(ready.statusCode, 503, 'readiness reports the overload');
  t.equal(ready.json().error, 'overloaded');
  t.equal(health.statusCode, 200, 'liveness is never shed');

  await new Promise((r) => setTimeout(r, 300)); // quiet samples again
  t.equal(
    (await call(app, { method: 'GET', url: '/api/tasks', as: 'alice' })).json().length,
    0,
    'served again, and the shed create did nothing',
  );
});

t.test('OVERLOAD_MAX_EVENT_LOOP_DELAY_MS=0 turns shedding off', async (t) => {
  const app = await appWithShedding(t, '0');
  await app.ready();
  const hog = setInterval(() => blockEventLoop(200), 0);
  await new Promise((r) => setTimeout(r, 300));
  const res = await call(app, { method: 'GET', url: '/api/tasks', as: 'alice' });
  clearInterval(hog);
  t.equal(res.statusCode, 200);
});

t.test("the start-up's own event-loop lag is not taken for overload", async (t) => {
  const app = await appWithShedding(t, '100');
  // Start-up work on the event loop, as PGlite's crash recovery or the migrations are.
  await app.register(async () => blockEventLoop(400));
  await app.ready();
  await new Promise((r) => setTimeout(r, 60)); // the sampler has taken the start-up's sample
  const res = await call(app, { method: 'GET', url: '/api/tasks', as: 'alice' });
  t.equal(res.statusCode, 200, 'the first request after start-up is served');
});
