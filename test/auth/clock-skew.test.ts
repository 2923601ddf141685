// Clock skew between the auth server and the API (JWT_CLOCK_TOLERANCE_SECONDS, default 30): a token
// whose nbf is up to 30 s ahead (the auth server's clock runs ahead), or whose exp passed up to 30 s
// ago, is accepted; beyond that bound it is 401. Both sides of the bound, for the default and a
// configured value.
import t from 'tap';
import type { FastifyInstance } from 'fastify';
import { build, call } from '../helper.js';
import { nowSeconds as now, signToken as hs } from '../support/tokens.js';

async function status(app: FastifyInstance, claims: { nbf?: number; exp: number }): Promise<number> {
  const res = await call(app, { method: 'GET', url: '/api/tasks', authorization: `Bearer ${hs({ sub: 'alice', ...claims })}` });
  return res.statusCode;
}

t.test('default: 30 s of skew on nbf and exp', async (t) => {
  const app = await build(t, { env: { AUTH_RATE_LIMIT_MAX: '0' } });
  t.equal(await status(app, { nbf: now() + 30, exp: now() + 600 }), 200, 'nbf 30 s ahead: accepted');
  t.equal(await status(app, { nbf: now() + 5, exp: now() + 600 }), 200, 'nbf 5 s ahead: accepted');
  t.equal(await status(app, { nbf: now() + 32, exp: now() + 600 }), 401, 'nbf 32 s ahead: refused');
  t.equal(await status(app, { nbf: now() + 300, exp: now() + 600 }), 401, 'nbf 5 min ahead: refused');
  t.equal(await status(app, { exp: now() - 28 }), 200, 'exp 28 s ago: accepted');
  t.equal(await status(app, { exp: now() - 32 }), 401, 'exp 32 s ago: refused');
});

t.test('JWT_CLOCK_TOLERANCE_SECONDS sets the bound', async (t) => {
  const app = await build(t, { env: { AUTH_RATE_LIMIT_MAX: '0', JWT_CLOCK_TOLERANCE_SECONDS: '5' } });
  t.equal(await status(app, { nbf: now() + 5, exp: now() + 600 }), 200, 'nbf 5 s ahead: accepted');
  t.equal(await status(app, { nbf: now() + 7, exp: now() + 600 }), 401, 'nbf 7 s ahead: refused');
  t.equal(await status(app, { nbf: now() + 30, exp: now() + 600 }), 401, 'nbf 30 s ahead: refused');
  t.equal(await status(app, { exp: now() - 3 }), 200, 'exp 3 s ago: accepted');
  t.equal(await status(app, { exp: now() - 7 }), 401, 'exp 7 s ago: refused');

  const strict = await build(t, { env: { AUTH_RATE_LIMIT_MAX: '0', JWT_CLOCK_TOLERANCE_SECONDS: '0' } });
  t.equal(await status(strict, { nbf: now() + 2, exp: now() + 600 }), 401, '0: nbf 2 s ahead is refused');
  t.equal(await status(strict, { exp: now() - 2 }), 401, '0: exp 2 s ago is refused');
});

t.test('a token refused for its nbf is accepted once its time has come (the refusal is not cached past it)', async (t) => {
  const app = await build(t, { env: { AUTH_RATE_LIMIT_MAX: '0' } });
  const token = hs({ sub: 'alice', nbf: now() + 33, exp: now() + 600 });
  const get = async () => (await call(app, { method: 'GET', url: '/api/tasks', authorization: `Bearer ${token}` })).statusCode;
  t.equal(await get(), 401, 'too early');
  await new Promise((r) => setTimeout(r, 3_100));
  t.equal(await get(), 200, 'in time');
});
