// Repeated failed signature checks from one client address (src/plugins/auth-rate-limit.ts):
// after AUTH_RATE_LIMIT_MAX of them in the window, the next ones get 429 with Retry-After; failures
// refused before any signature work (no token, malformed, expired…) never count; valid tokens and
// other addresses are unaffected; the window ends; 0 turns it off.
import { setTimeout as sleep } from 'node:timers/promises';
import t, { type Test } from 'tap';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { buildApp } from '../../src/app.js';
import { assertMatchesContract, build, call, freshDatabase, SECRET, testConfig, tokenFor } from '../helper.js';
import { nowSeconds as now, signToken } from '../support/tokens.js';

/** A forged token (alice's with its signature changed): refused after a signature check, so it counts. */
const BAD = `Bearer ${tokenFor('alice').slice(0, -4)}AAAA`;
const hs = (payload: Record<string, unknown>, key: string = SECRET) => signToken(payload, { key });

/** Like call() (checked against the contract) but from a given client address. */
async function from(
  app: FastifyInstance,
  remoteAddress: string,
  authorization?: string,
  url = '/api/tasks',
): Promise<LightMyRequestResponse> {
  const headers = authorization === undefined ? {} : { authorization };
  const res = await app.inject({ method: 'GET', url, remoteAddress, headers });
  await assertMatchesContract('GET', url, res);
  return res;
}

function assertRateLimited(t: Test, res: LightMyRequestResponse, windowSeconds: number, what: string) {
  t.equal(res.statusCode, 429, `${what}: 429`);
  const retryAfter = Number(res.headers['retry-after']);
  t.ok(
    Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= windowSeconds,
    `${what}: Retry-After ${res.headers['retry-after']} in 1..${windowSeconds}`,
  );
  t.match(
    res.json(),
    { error: 'rate_limited', status: 429, title: 'Too Many Requests', detail: new RegExp(`retry after ${retryAfter} seconds`) },
    `${what}: body`,
  );
  t.equal(res.headers['x-content-type-options'], 'nosniff', `${what}: security headers`);
}

t.test('the 21st failed signature check from one address in a minute is 429 (AUTH_RATE_LIMIT_MAX=20)', async (t) => {
  const app = await build(t, { env: { AUTH_RATE_LIMIT_MAX: '20', AUTH_RATE_LIMIT_WINDOW_SECONDS: '60' } });
  // Every failure after a signature check counts: forged, signed with another key, a good signature on bad claims.
  const failures = [
    BAD,
    `Bearer ${hs({ sub: 'alice', exp: now() + 60 }, 'another-secret-that-is-long-enough-xxxxx')}`,
    `Bearer ${hs({ sub: 'alice' })}`, // no exp
    `Bearer ${hs({ sub: '', exp: now() + 60 })}`, // empty subject
  ];
  for (let i = 0; i < 20; i++) {
    const res = await call(app, { method: 'GET', url: '/api/tasks', authorization: failures[i % failures.length]! });
    t.equal(res.statusCode, 401, `failure ${i + 1} is 401`);
  }
  const limited = await call(app, { method: 'GET', url: '/api/tasks', authorization: BAD });
  assertRateLimited(t, limited, 60, 'failure 21');
  t.notOk(limited.headers['www-authenticate'], 'a 429 carries no challenge');
  assertRateLimited(
    t,
    await call(app, { method: 'POST', url: '/api/tasks', authorization: BAD, body: { title: 'x' } }),
    60,
    'failure 22, another operation',
  );
  assertRateLimited(
    t,
    await call(app, { method: 'GET', url: '/api/alice/tasks', authorization: BAD }),
    60,
    'failure 23, the per-user family',
  );
  // Failures refused before any signature work are still plain 401s from the limited address.
  t.equal((await call(app, { method: 'GET', url: '/api/tasks' })).statusCode, 401, 'no token: 401');
  t.equal(
    (await call(app, { method: 'GET', url: '/api/tasks', authorization: `Bearer ${hs({ sub: 'alice', exp: now() - 3600 })}` })).statusCode,
    401,
    'expired: 401',
  );

  // A valid token from the same address is served, and is not counted.
  const ok = await call(app, { method: 'GET', url: '/api/tasks', as: 'alice' });
  t.equal(ok.statusCode, 200, 'a valid token from the limited address still succeeds');
  const created = await call(app, { method: 'POST', url: '/api/tasks', as: 'alice', body: { title: 'Still works' } });
  t.equal(created.statusCode, 201);
  assertRateLimited(
    t,
    await call(app, { method: 'GET', url: '/api/tasks', authorization: BAD }),
    60,
    'failures stay limited after a success',
  );

  // Another address has its own count.
  t.equal((await from(app, '203.0.113.9', BAD)).statusCode, 401, 'another address is not limited');
  t.equal((await from(app, '2001:db8::1', BAD)).statusCode, 401, 'an IPv6 address is not limited');
});

t.test('successes and non-authentication errors are not counted', async (t) => {
  const app = await build(t, { env: { AUTH_RATE_LIMIT_MAX: '3' } });
  for (let i = 0; i < 10; i++) {
    t.equal((await call(app, { method: 'GET', url: '/api/tasks', as: 'alice' })).statusCode, 200);
    t.equal(
      (await call(app, { method: 'GET', url: '/api/bob/tasks', as: 'alice' })).statusCode,
      403,
      '403 is not an authentication failure',
    );
    t.equal((await call(app, { method: 'GET', url: '/api/tasks?limit=0', as: 'alice' })).statusCode, 422);
    t.equal((await call(app, { method: 'GET', url: '/nowhere' })).statusCode, 404, 'unknown routes do not authenticate');
  }
  for (let i = 0; i < 3; i++)
    t.equal((await call(app, { method: 'GET', url: '/api/tasks', authorization: BAD })).statusCode, 401, `failure ${i + 1} of 3`);
  assertRateLimited(t, await call(app, { method: 'GET', url: '/api/tasks', authorization: BAD }), 60, 'failure 4');
});

t.test('failures refused before any signature work never count, however many', async (t) => {
  const app = await build(t, { env: { AUTH_RATE_LIMIT_MAX: '3' } });
  const [header] = tokenFor('alice').split('.');
  const cheap: Record<string, () => string | undefined> = {
    'no token': () => undefined,
    'Basic scheme': () => 'Basic YWxpY2U6cHc=',
    'not a JWT': () => 'Bearer x.y.z',
    'alg none': () => `Bearer ${signToken({ sub: 'a', exp: now() + 60 }, { alg: 'none', header: '{"alg":"none"}', iat: false })}`,
    'two segments': () => `Bearer ${header}.e30`,
    expired: () => `Bearer ${hs({ sub: `user-${Math.random()}`, exp: now() - 3600 })}`,
    'expired and forged': () => `Bearer ${hs({ sub: 'alice', exp: now() - 3600 }, 'not-our-secret-at-all-but-long-enough')}`,
    'not yet valid': () => `Bearer ${hs({ sub: 'alice', nbf: now() + 3600, exp: now() + 7200 })}`,
  };
  for (const [name, make] of Object.entries(cheap)) {
    for (let i = 0; i < 10; i++) {
      const authorization = make();
      const res = await call(app, { method: 'GET', url: '/api/tasks', ...(authorization ? { authorization } : {}) });
      if (res.statusCode !== 401) t.fail(`${name} #${i + 1}: ${res.statusCode}`);
    }
    t.pass(`${name}: 10 × 401`);
  }
  for (let i = 0; i < 3; i++)
    t.equal((await call(app, { method: 'GET', url: '/api/tasks', authorization: BAD })).statusCode, 401, `forged ${i + 1} of 3`);
  assertRateLimited(t, await call(app, { method: 'GET', url: '/api/tasks', authorization: BAD }), 60, 'the 4th forged token');
});

t.test('addresses are counted apart; an IPv6 /64 counts as one address', async (t) => {
  const app = await build(t, { env: { AUTH_RATE_LIMIT_MAX: '2' } });
  for (const ip of ['198.51.100.1', '198.51.100.2']) {
    t.equal((await from(app, ip, BAD)).statusCode, 401);
    t.equal((await from(app, ip, BAD)).statusCode, 401);
    assertRateLimited(t, await from(app, ip, BAD), 60, ip);
  }
  t.equal((await from(app, '2001:db8:1:2::a', BAD)).statusCode, 401);
  t.equal((await from(app, '2001:db8:1:2::b', BAD)).statusCode, 401);
  assertRateLimited(t, await from(app, '2001:db8:1:2:ffff::c', BAD), 60, 'the same /64');
  t.equal((await from(app, '2001:db8:1:3::a', BAD)).statusCode, 401, 'another /64');
  t.equal((await from(app, '::ffff:198.51.100.3', BAD)).statusCode, 401, 'an IPv4-mapped address is the IPv4 address');
  t.equal((await from(app, '198.51.100.3', BAD)).statusCode, 401);
  assertRateLimited(t, await from(app, '::ffff:198.51.100.3', BAD), 60, 'IPv4-mapped');
});

t.test('when the window has passed, failures are allowed again', async (t) => {
  const app = await build(t, { env: { AUTH_RATE_LIMIT_MAX: '2', AUTH_RATE_LIMIT_WINDOW_SECONDS: '1' } });
  t.equal((await call(app, { method: 'GET', url: '/api/tasks', authorization: BAD })).statusCode, 401);
  t.equal((await call(app, { method: 'GET', url: '/api/tasks', authorization: BAD })).statusCode, 401);
  const limited = await call(app, { method: 'GET', url: '/api/tasks', authorization: BAD });
  assertRateLimited(t, limited, 1, 'failure 3 within 1 s');
  await sleep(Number(limited.headers['retry-after']) * 1000 + 50);
  t.equal((await call(app, { method: 'GET', url: '/api/tasks', authorization: BAD })).statusCode, 401, 'a new window');
  t.equal((await call(app, { method: 'GET', url: '/api/tasks', authorization: BAD })).statusCode, 401);
  assertRateLimited(t, await call(app, { method: 'GET', url: '/api/tasks', authorization: BAD }), 1, 'and a new count');
});

t.test('AUTH_RATE_LIMIT_MAX=0 turns the limit off', async (t) => {
  const app = await build(t, { env: { AUTH_RATE_LIMIT_MAX: '0' } });
  for (let i = 0; i < 50; i++) {
    const res = await call(app, { method: 'GET', url: '/api/tasks', authorization: BAD });
    if (res.statusCode !== 401) t.fail(`failure ${i + 1} is ${res.statusCode}`);
  }
  t.pass('50 failures, all 401');
});

t.test('a 429 is logged as a rate_limited event with the reason, never the token', async (t) => {
  const lines: string[] = [];
  const config = testConfig({ LOG_LEVEL: 'info', AUTH_RATE_LIMIT_MAX: '1' });
  const app = await buildApp(config, { logger: { write: (line) => void lines.push(line) }, database: await freshDatabase(t) });
  t.teardown(() => app.close());
  await app.ready();
  const forged = `${tokenFor('alice').slice(0, -4)}AAAA`;
  await app.inject({ method: 'GET', url: '/api/tasks', headers: { authorization: `Bearer ${forged}` } });
  const res = await app.inject({ method: 'GET', url: '/api/tasks', headers: { authorization: `Bearer ${forged}` } });
  t.equal(res.statusCode, 429);
  const log = lines.join('');
  for (const part of forged.split('.')) t.notMatch(log, part, 'no part of the token in the logs');
  const events = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.event);
  t.match(events, [
    { event: 'auth_failed', reason: 'bad_signature', method: 'GET', route: '/api/tasks', ip: '127.0.0.1' },
    { event: 'rate_limited', reason: 'bad_signature', method: 'GET', route: '/api/tasks', ip: '127.0.0.1', level: 40 },
  ]);
});
