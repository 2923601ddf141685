import t from 'tap';
import { build, call } from '../helper.js';

t.test('GET /health answers without a token and without the database', async (t) => {
  const app = await build(t);
  await app.db.destroy(); // liveness must not depend on the database
  const res = await call(app, { method: 'GET', url: '/health' });
  t.equal(res.statusCode, 200);
  t.same(res.json(), { status: 'healthy' });
});

t.test('GET /ready is 200 while the database answers, 503 with Retry-After when it does not', async (t) => {
  const app = await build(t);
  const ok = await call(app, { method: 'GET', url: '/ready' });
  t.equal(ok.statusCode, 200);
  t.same(ok.json(), { status: 'ready', counters: { store: 'memory', healthy: true } });

  await app.db.destroy();
  const down = await call(app, { method: 'GET', url: '/ready' });
  t.equal(down.statusCode, 503);
  t.equal(down.headers['retry-after'], '2');
  t.equal(down.json().error, 'service_unavailable');
});
