// Key rotation as Better Auth does it: it signs with the new key the moment it has rotated, so the
// first token naming the new kid may arrive right after our last JWKS fetch. With the default
// JWKS_COOLDOWN_SECONDS (1), such a token waits for the next fetch (at most about a second) and
// verifies; a flood of made-up kids still costs at most one fetch a second. Its latency bounds under
// load need a quiet machine: it runs in test:slow (package.json), not npm test.
import { randomUUID } from 'node:crypto';
import t, { type Test } from 'tap';
import type { FastifyInstance } from 'fastify';
import { build, call } from '../helper.js';
import { ISSUER, keyServer, newKey, sign, type Key } from '../support/key-server.js';

async function appWith(t: Test, jwksUrl: string): Promise<FastifyInstance> {
  return build(t, { env: { BETTER_AUTH_URL: ISSUER, JWKS_URL: jwksUrl, AUTH_RATE_LIMIT_MAX: '0' } });
}

interface Outcome {
  status: number;
  ms: number;
  kid: string;
}

/** `workers` loops sending GET /api/tasks with the token `token()` gives, until `stop` says so. */
async function load(
  app: FastifyInstance,
  workers: number,
  token: () => { kid: string; jwt: string },
  stop: () => boolean,
): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (!stop()) {
        const { kid, jwt } = token();
        const started = performance.now();
        const res = await call(app, { method: 'GET', url: '/api/tasks', authorization: `Bearer ${jwt}` });
        outcomes.push({ status: res.statusCode, ms: performance.now() - started, kid });
        // inject() can complete without leaving the microtask queue: let timers (the rotations) run.
        await new Promise((r) => setImmediate(r));
      }
    }),
  );
  return outcomes;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

t.test('rotation under load: tokens with the new kid verify at once, none is refused', async (t) => {
  const { state, url } = await keyServer(t);
  let current: Key = newKey();
  state.keys = [current];
  const app = await appWith(t, url);
  t.equal((await call(app, { method: 'GET', url: '/api/tasks', authorization: `Bearer ${sign(current)}` })).statusCode, 200);

  let done = false;
  const rotated: string[] = [];
  const rotations = (async () => {
    // Rotations 0.4 s after a fetch, and two 0.3 s apart: each new kid arrives before the next fetch is due.
    for (const gap of [400, 1_000, 300]) {
      await sleep(gap);
      const next = newKey();
      state.keys = [...state.keys, next]; // published and used at the same instant
      current = next;
      rotated.push(next.kid);
    }
    await sleep(1_500);
    done = true;
  })();
  const outcomes = await load(
    app,
    8,
    () => ({ kid: current.kid, jwt: sign(current) }),
    () => done,
  );
  await rotations;

  const refused = outcomes.filter((o) => o.status !== 200);
  t.same(refused, [], `every request of ${outcomes.length} is 200`);
  for (const kid of rotated) {
    const withKid = outcomes.filter((o) => o.kid === kid);
    t.ok(withKid.length > 0, 'the new key was used');
    const slowest = Math.max(...withKid.map((o) => o.ms));
    // About a second (the fetch interval) plus a fetch; the margin is for a loaded test machine.
    t.ok(slowest < 2_500, `the slowest request with a new kid took ${Math.round(slowest)} ms`);
  }
  t.ok(state.fetches <= 1 + 2 * rotated.length, `${state.fetches} JWKS fetches for ${rotated.length} rotations`);
});

t.test('a flood of unknown kids: at most one fetch a second, all 401; a rotation during it still verifies', async (t) => {
  const { state, url } = await keyServer(t);
  let current: Key = newKey();
  state.keys = [current];
  const app = await appWith(t, url);
  t.equal((await call(app, { method: 'GET', url: '/api/tasks', authorization: `Bearer ${sign(current)}` })).statusCode, 200);
  const before = state.fetches;
  const started = Date.now();
  let done = false;
  const flood = load(
    app,
    20,
    () => ({ kid: 'random', jwt: sign(current, {}, randomUUID()) }),
    () => done,
  );

  await sleep(1_500);
  const next = newKey();
  state.keys = [...state.keys, next];
  current = next;
  const rotatedAt = performance.now();
  const fresh = await call(app, { method: 'GET', url: '/api/tasks', authorization: `Bearer ${sign(next, { sub: 'after-rotation' })}` });
  const waited = performance.now() - rotatedAt;
  await sleep(2_000);
  done = true;
  const outcomes = await flood;
  const seconds = (Date.now() - started) / 1000;

  t.equal(fresh.statusCode, 200, 'the new key verifies in the middle of the flood');
  t.ok(waited < 2_500, `within ${Math.round(waited)} ms of the rotation`);
  t.ok(outcomes.length >= 20, `${outcomes.length} made-up kids sent`);
  t.ok(
    outcomes.every((o) => o.status === 401),
    'every made-up kid is 401',
  );
  const fetches = state.fetches - before;
  t.ok(fetches <= Math.ceil(seconds) + 1, `${fetches} fetches in ${seconds.toFixed(1)} s of flood (at most one a second)`);
});

t.test('with a long JWKS_COOLDOWN_SECONDS an unknown kid is refused at once rather than waiting', async (t) => {
  const { state, url } = await keyServer(t);
  const key = newKey();
  state.keys = [key];
  const app = await build(t, { env: { BETTER_AUTH_URL: ISSUER, JWKS_URL: url, JWKS_COOLDOWN_SECONDS: '30', AUTH_RATE_LIMIT_MAX: '0' } });
  t.equal((await call(app, { method: 'GET', url: '/api/tasks', authorization: `Bearer ${sign(key)}` })).statusCode, 200);
  const started = performance.now();
  const unknown = await call(app, { method: 'GET', url: '/api/tasks', authorization: `Bearer ${sign(newKey())}` });
  t.equal(unknown.statusCode, 401);
  t.ok(performance.now() - started < 1_000, 'no wait for a fetch 30 s away');
  t.equal(state.fetches, 1, 'no refetch within the cooldown');
});
