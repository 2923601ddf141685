// npx tsx scripts/auth-failure-cpu.ts [--requests N] [--limits 0,20] [--database-url postgres://…]
// What a flood of failed authentications costs: CPU time (process.cpuUsage, user + system) per request
// for each kind of bad token, sent from one address through the whole app (app.inject, logging at
// info to a discarding stream as in production: each failure writes its auth_failed line), with the
// auth-failure limit off and on. In-process and single-threaded: the figures are per request on this
// machine, noisy on a shared one (run it twice). Numbers in docs/SECURITY.md.
import { createServer } from 'node:http';
import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { createSigner } from 'fast-jwt';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '5000' },
    limits: { type: 'string', default: '0,20' },
    'database-url': { type: 'string' },
  },
});
const N = Number(values.requests);
const SECRET = randomBytes(32).toString('hex');
const ISSUER = 'http://auth.bench';

// A JWKS with one Ed25519 key (Better Auth's default).
const ed = generateKeyPairSync('ed25519');
const kid = randomUUID();
const jwks = createServer((_req, res) =>
  res.end(JSON.stringify({ keys: [{ ...ed.publicKey.export({ format: 'jwk' }), kid, alg: 'EdDSA', use: 'sig' }] })),
);
await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
const edPem = ed.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const edSign = createSigner({ key: edPem, algorithm: 'EdDSA', kid, expiresIn: 900_000 });
const edSignExpired = createSigner({ key: edPem, algorithm: 'EdDSA', kid });
const hsSign = createSigner({ key: SECRET, algorithm: 'HS256', expiresIn: 900_000 });
const hsSignRaw = createSigner({ key: SECRET, algorithm: 'HS256' });
const now = () => Math.floor(Date.now() / 1000);
const tamper = (token: string) =>
  `${token.slice(0, token.lastIndexOf('.') + 1)}${randomBytes(token.length - token.lastIndexOf('.') > 60 ? 64 : 32).toString('base64url')}`;

const KINDS: Record<string, () => string | undefined> = {
  'no token': () => undefined,
  'not a JWT': () => 'Bearer not-a-jwt',
  'expired HS256 (distinct tokens)': () => `Bearer ${hsSignRaw({ sub: randomUUID(), exp: now() - 3600 })}`,
  'expired EdDSA (distinct tokens)': () => `Bearer ${edSignExpired({ sub: randomUUID(), iss: ISSUER, aud: ISSUER, exp: now() - 3600 })}`,
  'bad HS256 signature (distinct tokens)': () => `Bearer ${tamper(hsSign({ sub: randomUUID() }))}`,
  'bad EdDSA signature (distinct tokens)': () => `Bearer ${tamper(edSign({ sub: randomUUID(), iss: ISSUER, aud: ISSUER }))}`,
  'bad EdDSA signature (one token, repeated)': (
    (token) => () =>
      token
  )(`Bearer ${tamper(edSign({ sub: 'x', iss: ISSUER, aud: ISSUER }))}`),
  'valid EdDSA, distinct tokens (a first sight each)': () =>
    `Bearer ${edSign({ sub: 'bench-user', iss: ISSUER, aud: ISSUER, jti: randomUUID() })}`,
  'valid EdDSA, one token (cached)': (
    (token) => () =>
      token
  )(`Bearer ${edSign({ sub: 'bench-user', iss: ISSUER, aud: ISSUER })}`),
};

async function measure(limit: string) {
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'info',
    BETTER_AUTH_SECRET: SECRET,
    BETTER_AUTH_URL: ISSUER,
    JWKS_URL: `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks`,
    AUTH_RATE_LIMIT_MAX: limit,
    OVERLOAD_MAX_EVENT_LOOP_DELAY_MS: '0',
  });
  const discard = new Writable({ write: (_chunk, _encoding, done) => done() });
  // The embedded database by default (in memory); a PostgreSQL database (it gets the app's tables) starts faster on a busy machine.
  const url = values['database-url'];
  const database = url ? { kind: 'postgres' as const, url, poolMax: 10 } : { kind: 'pglite' as const, dataDir: undefined };
  const app = await buildApp(config, { database, logger: discard as never });
  await app.ready();
  await app.inject({
    method: 'GET',
    url: '/api/tasks',
    headers: { authorization: `Bearer ${edSign({ sub: 'bench-user', iss: ISSUER, aud: ISSUER })}` },
  });
  // Warm every path up first (JIT), from an address of its own, so the first kind measured is not the slowest.
  for (let round = 0; round < 3; round++) {
    for (const make of Object.values(KINDS)) {
      const warm = make();
      for (let i = 0; i < 100; i++)
        await app.inject({
          method: 'GET',
          url: '/api/tasks',
          remoteAddress: '198.51.100.201',
          headers: warm ? { authorization: warm } : {},
        });
    }
  }
  console.log(`\nAUTH_RATE_LIMIT_MAX=${limit}   (${N} requests of each kind from one address; CPU µs per request, statuses)`);
  for (const [name, make] of Object.entries(KINDS)) {
    const tokens = Array.from({ length: N }, make); // made before measuring: signing is the client's cost
    for (let i = 0; i < 200; i++) {
      const warm = make();
      await app.inject({ method: 'GET', url: '/api/tasks', remoteAddress: '198.51.100.200', headers: warm ? { authorization: warm } : {} });
    }
    const statuses = new Map<number, number>();
    const address = `203.0.113.${Object.keys(KINDS).indexOf(name) + 1}`; // a fresh count for each kind
    const before = process.cpuUsage();
    for (const authorization of tokens) {
      const res = await app.inject({
        method: 'GET',
        url: '/api/tasks',
        remoteAddress: address,
        headers: authorization ? { authorization } : {},
      });
      statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
    }
    const used = process.cpuUsage(before);
    const perRequest = (used.user + used.system) / N;
    console.log(`  ${name.padEnd(52)} ${perRequest.toFixed(0).padStart(5)} µs   ${[...statuses].map(([s, n]) => `${n}×${s}`).join(' ')}`);
  }
  await app.close();
}

for (const limit of values.limits.split(',')) await measure(limit);
jwks.close();
