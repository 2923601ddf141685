// The RFC 8725 attack matrix against a live app in both modes (HS256 secret and JWKS):
// every forged or malformed token is a 401 with the Error body; none reaches data.
import { createServer } from 'node:http';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { request as httpRequest } from 'node:http';
import t from 'tap';
import { build, call, SECRET, tokenFor } from '../helper.js';
import { nowSeconds as now, signToken } from '../support/tokens.js';

const ISSUER = 'http://auth.test';
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
/** A token with exactly this header and payload, HMAC-signed with `key` (or the test secret). */
const raw = (header: Record<string, unknown> | string, payload: unknown, key: string | Buffer = SECRET) =>
  signToken(payload, { key, header: typeof header === 'string' ? header : { typ: undefined, ...header }, iat: false });
/** Exactly these claims under an unsigned header `{ alg }`. */
const unsigned = (alg: string) => signToken(claims(), { alg: 'none', header: { alg, typ: undefined }, iat: false });
const claims = (extra: Record<string, unknown> = {}) => ({ sub: 'mallory', exp: now() + 600, iss: ISSUER, aud: ISSUER, ...extra });

t.test('attack matrix', async (t) => {
  const ed = generateKeyPairSync('ed25519');
  const kid = randomUUID();
  const jwk = ed.publicKey.export({ format: 'jwk' });
  const jwks = createServer((_req, res) => res.end(JSON.stringify({ keys: [{ ...jwk, kid, alg: 'EdDSA', use: 'sig' }] })));
  await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => jwks.close(() => resolve())));
  const app = await build(t, {
    // The failed-auth rate limit (tested in rate-limit.test.ts) would answer most of these 429.
    env: {
      BETTER_AUTH_URL: ISSUER,
      JWKS_URL: `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks`,
      JWT_ISSUER: ISSUER,
      JWT_AUDIENCE: ISSUER,
      AUTH_RATE_LIMIT_MAX: '0',
    },
  });
  const edSign = (payload: Record<string, unknown>, header: Record<string, unknown> = {}) =>
    signToken(payload, { alg: 'EdDSA', key: ed.privateKey, header: { kid, ...header } });
  const good = edSign(claims());
  const goodHs = raw({ alg: 'HS256', typ: 'JWT' }, claims());
  const publicPem = ed.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const [gh, gp, gs] = good.split('.') as [string, string, string];

  // The baseline: both genuine tokens work, so every 401 below is the attack's doing.
  for (const token of [good, goodHs])
    t.equal((await call(app, { method: 'GET', url: '/api/tasks', authorization: `Bearer ${token}` })).statusCode, 200);

  const attacks: Record<string, string> = {
    'alg none': unsigned('none'),
    'alg None': unsigned('None'),
    'alg NONE': unsigned('NONE'),
    'alg none with a signature': `${unsigned('none')}${gs}`,
    'HS256 signed with the Ed25519 public key PEM': raw({ alg: 'HS256', kid }, claims(), publicPem),
    'HS256 signed with the raw public x': raw({ alg: 'HS256', kid }, claims(), Buffer.from(String(jwk.x), 'base64url')),
    'HS256 signed with the JWK JSON': raw({ alg: 'HS256', kid }, claims(), JSON.stringify(jwk)),
    'EdDSA header on an HS256 signature': raw({ alg: 'EdDSA', kid }, claims()),
    'HS384 with the secret': signToken(claims(), { alg: 'HS384', header: { typ: undefined }, iat: false }),
    'flipped signature': `${gh}.${gp}.${gs.startsWith('A') ? 'B' : 'A'}${gs.slice(1)}`,
    'truncated signature': `${gh}.${gp}.${gs.slice(0, -4)}`,
    'empty signature': `${gh}.${gp}.`,
    'foreign signature': `${gh}.${gp}.${edSign(claims({ sub: 'someone-else' })).split('.')[2]}`,
    'payload swapped under a valid signature': `${gh}.${b64(claims({ sub: 'victim' }))}.${gs}`,
    'exp in the past': raw({ alg: 'HS256' }, claims({ exp: now() - 3600 })),
    'exp missing': raw({ alg: 'HS256' }, { sub: 'mallory', iss: ISSUER, aud: ISSUER }),
    'exp not a number': raw({ alg: 'HS256' }, claims({ exp: 'tomorrow' })),
    'nbf in the future': raw({ alg: 'HS256' }, claims({ nbf: now() + 3600 })),
    'wrong iss': raw({ alg: 'HS256' }, claims({ iss: 'http://evil.test' })),
    'iss as an array': raw({ alg: 'HS256' }, claims({ iss: [ISSUER, 'http://evil.test'] })),
    'wrong aud': raw({ alg: 'HS256' }, claims({ aud: 'http://evil.test' })),
    'aud as an array without us': raw({ alg: 'HS256' }, claims({ aud: ['http://evil.test'] })),
    'sub missing': raw({ alg: 'HS256' }, { exp: now() + 600, iss: ISSUER, aud: ISSUER }),
    'sub empty': raw({ alg: 'HS256' }, claims({ sub: '' })),
    'sub null': raw({ alg: 'HS256' }, claims({ sub: null })),
    'sub a number': raw({ alg: 'HS256' }, claims({ sub: 123 })),
    'sub an object': raw({ alg: 'HS256' }, claims({ sub: { id: 'victim' } })),
    'sub an array': raw({ alg: 'HS256' }, claims({ sub: ['victim'] })),
    'sub too long': raw({ alg: 'HS256' }, claims({ sub: 'x'.repeat(256) })),
    'two segments': `${gh}.${gp}`,
    'four segments': `${good}.${gs}`,
    'non-base64url characters': `${gh}.${gp}.${gs.slice(0, 10)}*${gs.slice(11)}`,
    'header not an object': raw('"HS256"', claims()),
    'payload an array': raw({ alg: 'HS256' }, [claims()]),
    'unknown crit header': raw({ alg: 'HS256', crit: ['x-unknown'], 'x-unknown': 1 }, claims()),
    'signed with an empty secret': raw({ alg: 'HS256' }, claims(), ''),
    'signed with "secret"': raw({ alg: 'HS256' }, claims(), 'secret'),
    'kid path traversal': edSign(claims(), { kid: '../../../../etc/passwd' }),
    'kid SQL': edSign(claims(), { kid: "' OR 1=1 --" }),
    'kid a URL': edSign(claims(), { kid: 'http://127.0.0.1:1/evil.json' }),
    'kid of 10 KB': edSign(claims(), { kid: 'k'.repeat(10_000) }),
    'kid not a string': edSign(claims(), { kid: 12345 }),
    'jku pointing elsewhere': edSign(claims(), { kid: randomUUID(), jku: 'http://127.0.0.1:1/jwks' }),
    'embedded jwk header': signToken(claims(), { alg: 'EdDSA', key: generateKeyPairSync('ed25519').privateKey, header: { jwk } }),
    '15 KB token': raw({ alg: 'HS256' }, claims({ pad: 'x'.repeat(15_000) }), 'not-the-secret'),
  };
  for (const [name, token] of Object.entries(attacks)) {
    const res = await call(app, { method: 'GET', url: '/api/tasks', authorization: `Bearer ${token}` });
    t.equal(res.statusCode, 401, name);
    t.equal(res.json().error, 'unauthorized', `${name}: the Error body`);
    t.notMatch(res.body, /FAST_JWT|TokenError|Cannot|stack/i, `${name}: no library text`);
  }

  const headerCases: Record<string, Record<string, string>> = {
    Basic: { authorization: `Basic ${Buffer.from('mallory:pw').toString('base64')}` },
    'whitespace inside the token': { authorization: `Bearer ${good.slice(0, 20)} ${good.slice(20)}` },
    'token in a cookie': { cookie: `token=${good}; better-auth.session_token=${good}` },
    'empty bearer': { authorization: 'Bearer' },
  };
  for (const [name, headers] of Object.entries(headerCases)) {
    const res = await call(app, { method: 'GET', url: '/api/tasks', headers });
    t.equal(res.statusCode, 401, name);
  }
  t.equal((await call(app, { method: 'GET', url: `/api/tasks?access_token=${good}` })).statusCode, 401, 'token in the query string');

  // Over a real socket: two Authorization headers, and header sizes.
  await app.listen({ port: 0, host: '127.0.0.1' });
  const port = (app.server.address() as AddressInfo).port;
  const get = (headers: [string, string][]) =>
    new Promise<number>((resolve, reject) => {
      const req = httpRequest(
        {
          host: '127.0.0.1',
          port,
          path: '/api/tasks',
          method: 'GET',
          headers: [['Host', `127.0.0.1:${port}`], ...headers].flat() as never,
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.end();
    });
  const twice = await get([
    ['Authorization', `Bearer ${tokenFor('victim')}`],
    ['Authorization', `Bearer ${good}`],
  ]);
  t.equal(twice, 401, 'two Authorization headers');
  t.equal(await get([['Authorization', `Bearer ${good}`]]), 200, 'the same token alone passes');
  t.equal(await get([['Authorization', `Bearer ${'a'.repeat(100_000)}`]]), 431, '100 KB token: header too large');
});
