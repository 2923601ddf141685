// Tokens for tests: any claims, any key, any algorithm, any header, signed with node:crypto so a
// test controls every byte of the header and payload (an attack case needs a header that lies
// about its algorithm, an array payload, a missing typ). tokenFor() is the everyday valid token,
// minted the way the API's own development tokens are (src/auth/dev-token.ts).
import { createHmac, createPrivateKey, sign as cryptoSign, type KeyObject } from 'node:crypto';
import { mintToken, type TokenClaims } from '../../src/auth/dev-token.js';

/** The HS256 secret of the test apps (testConfig(): BETTER_AUTH_SECRET). */
export const SECRET = 'test-secret-that-is-long-enough-0123456789';

/** Now in seconds, the unit of `exp`, `nbf` and `iat`. */
export const nowSeconds = (): number => Math.floor(Date.now() / 1000);

/** The algorithms signToken() computes; the header may name another (header: { alg }). */
export type SigningAlgorithm = 'HS256' | 'HS384' | 'HS512' | 'EdDSA' | 'ES256' | 'RS256' | 'none';

export interface SignOptions {
  /** HS*: the secret (default SECRET); EdDSA, ES256, RS256: the private key, as a KeyObject or PKCS#8 PEM. */
  key?: string | Buffer | KeyObject;
  /** How the signature is computed (default HS256); 'none' leaves it empty. */
  alg?: SigningAlgorithm;
  /**
   * Header fields over { alg, typ: 'JWT' }: kid, jku, crit, or another alg than the one used to sign;
   * a field set to undefined is left out. A string is the header's JSON text, verbatim.
   */
  header?: Record<string, unknown> | string;
  /** Adds `iat` (now) to an object payload that has none, as fast-jwt and Better Auth do (default true). */
  iat?: boolean;
}

const b64 = (text: string): string => Buffer.from(text).toString('base64url');

/** A compact JWS of exactly `payload` (no `exp` is added: a test states the claims it means). */
export function signToken(payload: unknown, options: SignOptions = {}): string {
  const alg = options.alg ?? 'HS256';
  const header = typeof options.header === 'string' ? options.header : JSON.stringify({ alg, typ: 'JWT', ...options.header });
  const withIat = options.iat !== false && isObject(payload) && payload.iat === undefined ? { ...payload, iat: nowSeconds() } : payload;
  const input = `${b64(header)}.${b64(JSON.stringify(withIat))}`;
  return `${input}.${signature(input, alg, options.key ?? SECRET)}`;
}

function signature(input: string, alg: SigningAlgorithm, key: string | Buffer | KeyObject): string {
  switch (alg) {
    case 'none':
      return '';
    case 'HS256':
    case 'HS384':
    case 'HS512':
      return createHmac(`sha${alg.slice(2)}`, key as string | Buffer)
        .update(input)
        .digest('base64url');
    case 'EdDSA':
      return cryptoSign(null, Buffer.from(input), privateKey(key)).toString('base64url');
    case 'ES256':
      return cryptoSign('sha256', Buffer.from(input), { key: privateKey(key), dsaEncoding: 'ieee-p1363' }).toString('base64url');
    case 'RS256':
      return cryptoSign('sha256', Buffer.from(input), privateKey(key)).toString('base64url');
  }
}

function privateKey(key: string | Buffer | KeyObject): KeyObject {
  return typeof key === 'string' || Buffer.isBuffer(key) ? createPrivateKey(key) : key;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A valid token for `sub` (HS256 with SECRET, `exp` in `expiresInSeconds`). */
export function tokenFor(sub: string, claims: Partial<TokenClaims> = {}, expiresInSeconds = 3600): string {
  return mintToken(SECRET, { sub, ...claims }, expiresInSeconds);
}

/**
 * An Authorization header whose token is signed with another key: refused only after its signature
 * check, so it counts towards the auth-failure limit (a malformed or expired one is refused before
 * and never counts: src/plugins/auth-rate-limit.ts).
 */
export const FORGED_AUTHORIZATION = `Bearer ${signToken({ sub: 'mallory', exp: nowSeconds() + 3600 }, { key: 'another-key-that-is-not-our-secret-0123456789' })}`;
