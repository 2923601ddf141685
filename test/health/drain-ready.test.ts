// The drain (src/plugins/drain.ts): from app.beginDrain() (server.ts calls it on SIGTERM, before
// DRAIN_DELAY_SECONDS and the listener's close) /ready is 503 `draining` with Retry-After, while
// /health and the API keep answering, with Connection: close. The real process is in
// test/process/npm-start.test.ts.
import t from 'tap';
import { build, call } from '../helper.js';

t.test('draining: /ready 503 draining, /health and the API still served, with Connection: close', async (t) => {
  const app = await build(t);
  t.equal(app.draining, false);
  const before = await call(app, { method: 'GET', url: '/ready' });
  t.equal(before.statusCode, 200);
  t.not(before.headers.connection, 'close', 'no Connection: close before the drain');

  app.beginDrain();
  t.equal(app.draining, true);
  const ready = await call(app, { method: 'GET', url: '/ready' });
  t.equal(ready.statusCode, 503);
  t.equal(ready.headers['retry-after'], '2');
  t.match(ready.json(), { error: 'draining', status: 503, title: 'Service Unavailable' });
  t.equal(ready.headers.connection, 'close');

  const health = await call(app, { method: 'GET', url: '/health' });
  t.equal(health.statusCode, 200, 'liveness is unaffected: a draining process must not be restarted');
  const created = await call(app, { method: 'POST', url: '/api/tasks', as: 'alice', body: { title: 'During the drain' } });
  t.equal(created.statusCode, 201, 'requests that still arrive are served');
  t.equal(created.headers.connection, 'close');
});
