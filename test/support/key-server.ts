// A JWKS server on a random port whose key set and availability the test controls (it counts
// fetches), and signing with its keys as Better Auth's jwt plugin does (kid in the header, iss/aud).
import { createServer, type Server } from 'node:http';
import { generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Test } from 'tap';
import { nowSeconds, signToken } from './tokens.js';

export const ISSUER = 'http://auth.test';

export interface Key {
  kid: string;
  alg: 'EdDSA' | 'ES256';
  privateKey: KeyObject;
  publicKey: KeyObject;
}

export function newKey(alg: Key['alg'] = 'EdDSA'): Key {
  const pair = alg === 'EdDSA' ? generateKeyPairSync('ed25519') : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { kid: randomUUID(), alg, ...pair };
}

export async function keyServer(t: Test) {
  const state = { keys: [] as Key[], up: true, fetches: 0 };
  const server: Server = createServer((req, res) => {
    state.fetches++;
    if (!state.up) return void res.writeHead(503).end();
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({ keys: state.keys.map((k) => ({ ...k.publicKey.export({ format: 'jwk' }), kid: k.kid, alg: k.alg, use: 'sig' })) }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { state, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/auth/jwks` };
}

/** A token as Better Auth's jwt plugin signs it: `kid` in the header, `iss`/`aud`, valid for 15 minutes. */
export function sign(key: Key, claims: Record<string, unknown> = {}, kid: string = key.kid): string {
  const iat = nowSeconds();
  return signToken(
    { sub: 'ba-user-1', email: 'u@example.com', iss: ISSUER, aud: ISSUER, ...claims, iat, exp: iat + 15 * 60 },
    { alg: key.alg, key: key.privateKey, header: { kid } },
  );
}
