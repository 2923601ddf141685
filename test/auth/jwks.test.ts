// Better Auth's asymmetric tokens, verified against a JWKS served by the test on a random port.
import { randomUUID } from 'node:crypto';
import t, { type Test } from 'tap';
import { build, call, SECRET } from '../helper.js';
import { ISSUER, keyServer, newKey, sign } from '../support/key-server.js';
import { nowSeconds, signToken } from '../support/tokens.js';

async function appWith(t: Test, jwksUrl: string, env: Record<string, string> = {}) {
  // The failed-auth rate limit would turn floods of bad tokens into 429s; it has its own tests.
  return build(t, { env: { BETTER_AUTH_URL: ISSUER, JWKS_URL: jwksUrl, JWKS_COOLDOWN_SECONDS: '1', AUTH_RATE_LIMIT_MAX: '0', ...env } });
}
const list = (app: Awaited<ReturnType<typeof build>>, token: string) =>
  call(app, { method: 'GET', url: '/api/tasks', authorization: `Bearer ${token}` });

t.test('valid EdDSA and ES256 tokens from the JWKS pass; iss/aud default to BETTER_AUTH_URL', async (t) => {
  const { state, url } = await keyServer(t);
  const ed = newKey('EdDSA');
  const es = newKey('ES256');
  state.keys = [ed, es];
  const app = await appWith(t, url);
  t.equal((await list(app, sign(ed))).statusCode, 200, 'EdDSA');
  t.equal((await list(app, sign(es))).statusCode, 200, 'ES256');
  t.equal((await list(app, sign(ed, { iss: 'http://evil.test' }))).statusCode, 401, 'wrong issuer');
  t.equal((await list(app, sign(ed, { aud: 'http://evil.test' }))).statusCode, 401, 'wrong audience');
  t.equal((await list(app, sign(ed, {}, es.kid))).statusCode, 401, 'an EdDSA token naming the ES256 key');
  t.equal(state.fetches, 1, 'one fetch served every known key');
  const user = await app.db.selectFrom('users').selectAll().where('id', '=', 'ba-user-1').executeTakeFirst();
  t.equal(user?.email, 'u@example.com', 'the user is recorded with the token email');
});

t.test('key rotation: a new kid passes after one refetch', async (t) => {
  const { state, url } = await keyServer(t);
  const first = newKey('EdDSA');
  state.keys = [first];
  const app = await appWith(t, url);
  t.equal((await list(app, sign(first))).statusCode, 200);
  const second = newKey('EdDSA');
  state.keys = [first, second];
  await new Promise((r) => setTimeout(r, 1100)); // past the cooldown of the first fetch
  t.equal((await list(app, sign(second))).statusCode, 200, 'the rotated-in key works');
  t.equal(state.fetches, 2, 'exactly one refetch');
});

t.test('a flood of unknown kids costs at most one fetch per cooldown, and answers 401', async (t) => {
  const { state, url } = await keyServer(t);
  const key = newKey('EdDSA');
  state.keys = [key];
  const app = await appWith(t, url, { JWKS_COOLDOWN_SECONDS: '30' });
  t.equal((await list(app, sign(key))).statusCode, 200);
  const before = state.fetches;
  const responses = await Promise.all(Array.from({ length: 1000 }, () => list(app, sign(key, {}, randomUUID()))));
  t.ok(
    responses.every((r) => r.statusCode === 401),
    'every unknown kid is 401',
  );
  t.ok(state.fetches - before <= 1, `at most one refetch for 1000 unknown kids (saw ${state.fetches - before})`);
});

t.test('a JWKS outage keeps known keys working; unknown kids get 401 quickly, not 500', async (t) => {
  const { state, url } = await keyServer(t);
  const key = newKey('EdDSA');
  state.keys = [key];
  const app = await appWith(t, url);
  t.equal((await list(app, sign(key))).statusCode, 200);
  state.up = false;
  await new Promise((r) => setTimeout(r, 1100));
  t.equal((await list(app, sign(key, { sub: 'another-user' }))).statusCode, 200, 'known key, new token');
  const started = Date.now();
  const unknown = await list(app, sign(newKey('EdDSA')));
  t.equal(unknown.statusCode, 401);
  t.ok(Date.now() - started < 4000, 'no hang');
});

t.test('the JWKS server unreachable from the start: 401, never 500', async (t) => {
  const app = await appWith(t, 'http://127.0.0.1:1/jwks');
  t.equal((await list(app, sign(newKey('EdDSA')))).statusCode, 401);
});

t.test('no cross-mode token verifies', async (t) => {
  const { state, url } = await keyServer(t);
  const ed = newKey('EdDSA');
  state.keys = [ed];
  const publicPem = ed.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const jwk = ed.publicKey.export({ format: 'jwk' });
  const hsWith = (key: string | Buffer) =>
    signToken({ sub: 'x', iss: ISSUER, aud: ISSUER, exp: nowSeconds() + 60 }, { key, header: { kid: ed.kid } });

  // JWKS only: HS256 tokens are not accepted at all, whatever they are signed with.
  const jwksOnly = await appWith(t, url, { BETTER_AUTH_SECRET: '' });
  for (const [name, token] of [
    ['HS256 signed with the public key PEM', hsWith(publicPem)],
    ['HS256 signed with the raw x', hsWith(Buffer.from(String(jwk.x), 'base64url'))],
    ['HS256 signed with the JWK JSON', hsWith(JSON.stringify(jwk))],
  ] as const) {
    t.equal((await list(jwksOnly, token)).statusCode, 401, `${name} (JWKS only)`);
  }
  // Both modes: an EdDSA token cannot be checked with the HS secret, nor an HS256 token with the JWKS.
  const both = await appWith(t, url, { BETTER_AUTH_SECRET: SECRET });
  t.equal((await list(both, hsWith(publicPem))).statusCode, 401, 'HS256 signed with the public key, both modes');
  t.equal((await list(both, sign(ed))).statusCode, 200, 'the real EdDSA token');
});
