import t from 'tap';
import { build } from '../helper.js';

t.test('CORS answers only the configured origins', async (t) => {
  const app = await build(t, { env: { CORS_ORIGINS: 'https://app.example.com' } });
  const preflight = await app.inject({
    method: 'OPTIONS',
    url: '/api/tasks',
    headers: {
      origin: 'https://app.example.com',
      'access-control-request-method': 'PATCH',
      'access-control-request-headers': 'authorization,content-type',
    },
  });
  t.equal(preflight.statusCode, 204);
  t.equal(preflight.headers['access-control-allow-origin'], 'https://app.example.com');
  t.match(preflight.headers['access-control-allow-methods'], /PATCH/);
  t.match(preflight.headers['access-control-allow-headers'], /Authorization/);

  const foreign = await app.inject({ method: 'GET', url: '/health', headers: { origin: 'https://evil.example.com' } });
  t.equal(foreign.headers['access-control-allow-origin'], undefined, 'another origin gets no CORS grant');
  const own = await app.inject({ method: 'GET', url: '/health', headers: { origin: 'https://app.example.com' } });
  t.equal(own.headers['access-control-allow-origin'], 'https://app.example.com');
  t.match(own.headers['access-control-expose-headers'], /Location/);
});

t.test('no CORS_ORIGINS: no origin is granted', async (t) => {
  const app = await build(t);
  const res = await app.inject({ method: 'GET', url: '/health', headers: { origin: 'http://localhost:3000' } });
  t.equal(res.headers['access-control-allow-origin'], undefined);
});

t.test('CORS lets a browser frontend use conditional requests and idempotency keys', async (t) => {
  const app = await build(t, { env: { CORS_ORIGINS: 'https://app.example.com' } });
  const preflight = await app.inject({
    method: 'OPTIONS',
    url: '/api/tasks/00000000-0000-4000-8000-000000000000',
    headers: {
      origin: 'https://app.example.com',
      'access-control-request-method': 'PUT',
      'access-control-request-headers': 'if-match,if-none-match,idempotency-key',
    },
  });
  t.equal(preflight.statusCode, 204);
  const allowed = String(preflight.headers['access-control-allow-headers'])
    .toLowerCase()
    .split(/\s*,\s*/);
  for (const header of ['if-match', 'if-none-match', 'idempotency-key']) t.ok(allowed.includes(header), `preflight allows ${header}`);
  const res = await app.inject({ method: 'GET', url: '/health', headers: { origin: 'https://app.example.com' } });
  const exposed = String(res.headers['access-control-expose-headers'])
    .toLowerCase()
    .split(/\s*,\s*/);
  for (const header of ['etag', 'location', 'link', 'retry-after', 'idempotent-replayed'])
    t.ok(exposed.includes(header), `exposes ${header}`);
});
