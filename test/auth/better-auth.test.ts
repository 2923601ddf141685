// Against the real thing: a Better Auth 1.7.25 server (jwt plugin with its defaults, email and
// password) issues the tokens; the app verifies them in JWKS mode only (no HS256 secret), from
// BETTER_AUTH_URL alone. A user signs up, takes a token from /api/auth/token and from the
// set-auth-jwt header, and works on their tasks; Better Auth rotates its key with the plugin's own
// createJwk and the next token (new kid) is accepted at once; another Better Auth instance's
// tokens are refused, even one that claims the same issuer.
import t, { type Test } from 'tap';
import type { FastifyInstance } from 'fastify';
import { createDecoder } from 'fast-jwt';
import { build, call } from '../helper.js';
import { startBetterAuth } from '../support/better-auth-server.js';

const decode = createDecoder({ complete: true });
const kidOf = (token: string) => (decode(token) as { header: { kid: string } }).header.kid;

function appFor(t: Test, betterAuthUrl: string): Promise<FastifyInstance> {
  // JWKS mode only, with the default limits and intervals.
  return build(t, { env: { BETTER_AUTH_URL: betterAuthUrl, BETTER_AUTH_SECRET: '' } });
}

async function crud(t: Test, app: FastifyInstance, token: string, userId: string) {
  const authorization = `Bearer ${token}`;
  const created = await call(app, { method: 'POST', url: '/api/tasks', authorization, body: { title: 'Signed up with Better Auth' } });
  t.equal(created.statusCode, 201, 'create');
  const task = created.json() as { id: string; user_id: string };
  t.equal(task.user_id, userId, 'the owner is the Better Auth user id (sub)');
  t.equal(
    (await call(app, { method: 'GET', url: `/api/${userId}/tasks/${task.id}`, authorization })).statusCode,
    200,
    'get, per-user family',
  );
  const patched = await call(app, {
    method: 'PATCH',
    url: `/api/tasks/${task.id}`,
    authorization,
    body: { description: 'via a JWKS token' },
  });
  t.equal(patched.statusCode, 200, 'patch');
  t.equal((await call(app, { method: 'PATCH', url: `/api/tasks/${task.id}/complete`, authorization })).json().completed, true, 'toggle');
  t.equal((await call(app, { method: 'DELETE', url: `/api/tasks/${task.id}`, authorization })).statusCode, 204, 'delete');
  t.same((await call(app, { method: 'GET', url: '/api/tasks', authorization })).json(), [], 'list');
}

t.test('Better Auth tokens work end to end; a rotated key is accepted at once; a trailing slash in BETTER_AUTH_URL is fine', async (t) => {
  for (const slash of ['', '/']) {
    await t.test(
      slash ? 'BETTER_AUTH_URL with a trailing slash (given so to Better Auth and to the API)' : 'BETTER_AUTH_URL without a slash',
      async (t) => {
        const ba = await startBetterAuth(t, { baseURL: (base) => `${base}${slash}` });
        const app = await appFor(t, `${ba.base}${slash}`);
        const email = `user-${slash ? 'slash' : 'plain'}@example.com`;
        const { cookie, userId } = await ba.signUp(email);

        const fromEndpoint = await ba.token(cookie);
        const fromHeader = await ba.sessionJwt(cookie);
        const claims = (decode(fromEndpoint) as { payload: Record<string, unknown> }).payload;
        t.match(
          claims,
          { sub: userId, iss: ba.base, aud: ba.base, email },
          'Better Auth puts its origin, without the slash, in iss and aud',
        );
        t.equal((decode(fromEndpoint) as { header: { alg: string } }).header.alg, 'EdDSA', 'EdDSA by default');

        await crud(t, app, fromEndpoint, userId);
        const listed = await call(app, { method: 'GET', url: `/api/${userId}/tasks`, authorization: `Bearer ${fromHeader}` });
        t.equal(listed.statusCode, 200, 'the set-auth-jwt token works too');
        const user = await app.db.selectFrom('users').selectAll().where('id', '=', userId).executeTakeFirst();
        t.equal(user?.email, email, 'the user is recorded with the token email');

        // Rotation: Better Auth signs with the new key from the next token on.
        const oldKid = kidOf(fromEndpoint);
        await ba.rotate();
        const rotated = await ba.token(cookie);
        t.not(kidOf(rotated), oldKid, 'the next token names the new key');
        const after = await call(app, {
          method: 'POST',
          url: '/api/tasks',
          authorization: `Bearer ${rotated}`,
          body: { title: 'After rotation' },
        });
        // How long a new kid may wait (the next JWKS fetch, JWKS_COOLDOWN_SECONDS) is a latency claim:
        // test/auth/jwks-rotation.test.ts checks it, in test:slow (it needs a quiet machine).
        t.equal(after.statusCode, 201, 'the new key is accepted on the first try');
        t.equal(
          (await call(app, { method: 'GET', url: '/api/tasks', authorization: `Bearer ${fromEndpoint}` })).statusCode,
          200,
          'tokens of the old key still work',
        );
      },
    );
  }
});

t.test("another Better Auth instance's tokens are refused", async (t) => {
  const ours = await startBetterAuth(t);
  const app = await appFor(t, `${ours.base}/`);
  const { cookie } = await ours.signUp('ours@example.com');
  t.equal(
    (await call(app, { method: 'GET', url: '/api/tasks', authorization: `Bearer ${await ours.token(cookie)}` })).statusCode,
    200,
    'our instance',
  );

  const other = await startBetterAuth(t);
  const stranger = await other.signUp('stranger@example.com');
  const foreign = await other.token(stranger.cookie);
  const res = await call(app, { method: 'GET', url: '/api/tasks', authorization: `Bearer ${foreign}` });
  t.equal(res.statusCode, 401, 'another instance (its own keys and issuer)');
  t.equal(res.json().error, 'unauthorized');

  // Even claiming our issuer and audience, its keys are not ours.
  const impostor = await startBetterAuth(t, { jwt: { jwt: { issuer: ours.base, audience: ours.base } } });
  const mallory = await impostor.signUp('mallory@example.com');
  const forged = await impostor.token(mallory.cookie);
  t.match((decode(forged) as { payload: object }).payload, { iss: ours.base, aud: ours.base });
  t.equal(
    (await call(app, { method: 'GET', url: '/api/tasks', authorization: `Bearer ${forged}` })).statusCode,
    401,
    'same iss/aud, another key set',
  );
});
