// Every way a token can be wrong is a 401 with a Bearer challenge and the Error body.
import t from 'tap';
import { build, call, tokenFor } from '../helper.js';
import { nowSeconds as now, signToken as hs } from '../support/tokens.js';

t.test('bad credentials are 401 with WWW-Authenticate: Bearer', async (t) => {
  const app = await build(t, { env: { AUTH_RATE_LIMIT_MAX: '0' } });
  const valid = tokenFor('alice');
  const [header, payload] = valid.split('.');
  const cases: Record<string, string | undefined> = {
    'no Authorization header': undefined,
    'Basic scheme': 'Basic YWxpY2U6cHc=',
    'empty bearer': 'Bearer ',
    'not a JWT': 'Bearer not-a-jwt',
    'two segments': `Bearer ${header}.${payload}`,
    'signed with another secret': `Bearer ${hs({ sub: 'alice', exp: now() + 60 }, { key: 'another-secret-that-is-long-enough-xxxxx' })}`,
    'flipped signature': `Bearer ${valid.slice(0, -2)}${valid.endsWith('AA') ? 'BB' : 'AA'}`,
    'alg none': `Bearer ${hs({ sub: 'alice', exp: now() + 60 }, { alg: 'none', iat: false })}`,
    'HS512 with the same secret (not allowed)': `Bearer ${hs({ sub: 'alice', exp: now() + 60 }, { alg: 'HS512' })}`,
    expired: `Bearer ${hs({ sub: 'alice', exp: now() - 60 })}`,
    'not yet valid': `Bearer ${hs({ sub: 'alice', exp: now() + 600, nbf: now() + 300 })}`,
    'no exp': `Bearer ${hs({ sub: 'alice' })}`,
    'no sub': `Bearer ${hs({ exp: now() + 60 })}`,
    'empty sub': `Bearer ${hs({ sub: '', exp: now() + 60 })}`,
    'numeric sub': `Bearer ${hs({ sub: 123, exp: now() + 60 })}`,
    'null sub': `Bearer ${hs({ sub: null, exp: now() + 60 })}`,
    'object sub': `Bearer ${hs({ sub: { id: 'alice' }, exp: now() + 60 })}`,
  };
  for (const [name, authorization] of Object.entries(cases)) {
    const res = await call(app, { method: 'GET', url: '/api/tasks', ...(authorization !== undefined ? { authorization } : {}) });
    t.equal(res.statusCode, 401, name);
    t.match(res.headers['www-authenticate'], /^Bearer realm="todo-api"/, `${name}: challenge`);
    t.equal(res.json().error, 'unauthorized', `${name}: code`);
    t.notMatch(res.body, /FAST_JWT|stack|at \w+ \(/, `${name}: no library text or stack`);
  }
  // RFC 6750: a request without credentials gets no error code in the challenge.
  const none = await call(app, { method: 'GET', url: '/api/tasks' });
  t.equal(none.headers['www-authenticate'], 'Bearer realm="todo-api"');
  const bad = await call(app, { method: 'GET', url: '/api/tasks', authorization: 'Bearer x.y.z' });
  t.equal(bad.headers['www-authenticate'], 'Bearer realm="todo-api", error="invalid_token"');
});

t.test('a valid token passes; the scheme is case-insensitive; small clock skew is tolerated', async (t) => {
  const app = await build(t);
  const ok = await call(app, { method: 'GET', url: '/api/tasks', authorization: `bearer ${tokenFor('alice')}` });
  t.equal(ok.statusCode, 200);
  const skewed = hs({ sub: 'alice', exp: now() - 2 });
  t.equal(
    (await call(app, { method: 'GET', url: '/api/tasks', authorization: `Bearer ${skewed}` })).statusCode,
    200,
    '2 s past exp is within the clock tolerance',
  );
});

t.test('issuer and audience are checked when configured', async (t) => {
  const app = await build(t, { env: { JWT_ISSUER: 'https://auth.example.com', JWT_AUDIENCE: 'todo-api' } });
  const get = (token: string) => call(app, { method: 'GET', url: '/api/tasks', authorization: `Bearer ${token}` });
  const exp = now() + 60;
  t.equal((await get(hs({ sub: 'a', exp, iss: 'https://auth.example.com', aud: 'todo-api' }))).statusCode, 200);
  t.equal((await get(hs({ sub: 'a', exp, iss: 'https://evil.example.com', aud: 'todo-api' }))).statusCode, 401, 'wrong issuer');
  t.equal((await get(hs({ sub: 'a', exp, iss: 'https://auth.example.com', aud: 'other' }))).statusCode, 401, 'wrong audience');
  t.equal((await get(hs({ sub: 'a', exp, aud: 'todo-api' }))).statusCode, 401, 'missing issuer');
});

t.test('the unauthenticated endpoints need no token', async (t) => {
  const app = await build(t);
  // /docs redirects to docs/ (src/plugins/docs.ts); the others answer.
  const expected = { '/health': 200, '/ready': 200, '/openapi.json': 200, '/openapi.yaml': 200, '/docs': 302 };
  for (const [url, status] of Object.entries(expected)) {
    t.equal((await call(app, { method: 'GET', url })).statusCode, status, url);
  }
  const yaml = await app.inject({ method: 'GET', url: '/openapi.yaml' });
  t.match(yaml.body, /^openapi: 3\.1\.0/);
  t.equal((await app.inject({ method: 'GET', url: '/openapi.json' })).json().openapi, '3.1.0');
});
