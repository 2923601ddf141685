// Many users behind one address (an office NAT, a mobile carrier's CGNAT), on the default
// configuration: a frontend's ordinary 401 must stay a 401, because frontends refresh their token on
// 401 and not on 429. 1,000 distinct clients each send one expired token (and some no token) within a
// minute: every one is 401. A flood of forged tokens from that address is still cut off at the
// default limit (AUTH_RATE_LIMIT_MAX=300 failed signature checks per 60 s).
import { randomUUID } from 'node:crypto';
import t from 'tap';
import type { FastifyInstance } from 'fastify';
import { assertMatchesContract, build, testConfig, tokenFor } from '../helper.js';
import { nowSeconds as now, signToken as hs } from '../support/tokens.js';

const NAT = '198.51.100.77';

/** GET /api/tasks from the shared address, checked against the contract like call(). */
async function fromNat(app: FastifyInstance, authorization?: string): Promise<number> {
  const res = await app.inject({ method: 'GET', url: '/api/tasks', remoteAddress: NAT, headers: authorization ? { authorization } : {} });
  await assertMatchesContract('GET', '/api/tasks', res);
  return res.statusCode;
}

t.test('the defaults', async (t) => {
  const { authRateLimit } = testConfig();
  t.same(authRateLimit, { max: 300, windowSeconds: 60 });
});

t.test('1,000 clients behind one address, each with one expired token: all 401', async (t) => {
  const app = await build(t);
  const started = performance.now();
  const statuses = new Map<number, number>();
  for (let i = 0; i < 1000; i++) {
    // Expired a minute to a day ago, as a frontend's stale tokens are; every tenth client sends none yet.
    const authorization =
      i % 10 === 9
        ? undefined
        : `Bearer ${hs({ sub: `user-${i}`, email: `u${i}@example.com`, iat: now() - 86_400, exp: now() - 60 - (i % 1440) * 60 })}`;
    const status = await fromNat(app, authorization);
    statuses.set(status, (statuses.get(status) ?? 0) + 1);
  }
  // What makes "never 429" mean something: more than the limit's worth of requests in one window.
  // However slow the machine, the run spans `windows` windows, so one of them holds at least 1,000 / windows.
  const { max, windowSeconds } = testConfig().authRateLimit!;
  const windows = Math.ceil((performance.now() - started) / (windowSeconds * 1000));
  t.ok(1000 / windows > max, `over ${max} of them within one window (${windows} window(s) spanned)`);
  t.same(Object.fromEntries(statuses), { 401: 1000 }, 'every client gets 401, never 429');
  // And each refreshed its token: all served.
  for (let i = 0; i < 1000; i += 100) {
    t.equal(await fromNat(app, `Bearer ${tokenFor(`user-${i}`)}`), 200);
  }
});

t.test('a flood of forged tokens from that address is cut off at the default limit; its neighbours are not', async (t) => {
  const app = await build(t);
  const statuses: number[] = [];
  for (let i = 0; i < 320; i++) {
    const forged = `${tokenFor(randomUUID()).slice(0, -6)}${Math.random().toString(36).slice(2, 8).padEnd(6, 'A')}`;
    statuses.push(await fromNat(app, `Bearer ${forged}`));
  }
  t.same([...new Set(statuses.slice(0, 300))], [401], 'the first 300 forged tokens: 401');
  t.same([...new Set(statuses.slice(300))], [429], 'the next ones: 429');
  const expired = `Bearer ${hs({ sub: 'neighbour', exp: now() - 60 })}`;
  t.equal(await fromNat(app, expired), 401, 'a neighbour with an expired token still gets 401');
  t.equal(await fromNat(app, `Bearer ${tokenFor('neighbour')}`), 200, 'and with a fresh one, 200');
  t.equal(
    (
      await app.inject({
        method: 'GET',
        url: '/api/tasks',
        remoteAddress: '203.0.113.5',
        headers: { authorization: `Bearer ${tokenFor('x').slice(0, -4)}AAAA` },
      })
    ).statusCode,
    401,
    'another address: its own count',
  );
});
