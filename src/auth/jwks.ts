// Better Auth's public keys, fetched from its JWKS and cached by `kid`.
//
// Written here rather than with get-jwks: get-jwks cannot turn OKP (Ed25519, Better Auth's
// default) keys into PEM and refetches on every unknown kid; what we need is small — one fetch,
// a map, and a cooldown so that a flood of made-up kids costs at most one fetch per cooldown.
// Keys are only ever fetched from the configured URL; jku/x5u/jwk/x5c token headers are ignored.
import { createPublicKey, type JsonWebKey } from 'node:crypto';

export interface JwksOptions {
  url: string;
  /** An unknown kid refetches at most once per this many milliseconds. */
  cooldownMs: number;
  /** A fetch that takes longer is abandoned (the request answers 401, not a hang). */
  timeoutMs?: number;
  fetch?: typeof fetch;
  onError?: (error: unknown) => void;
}

/** The public key (PEM) for a token's kid, or undefined when the JWKS does not have it. */
export type KeyLookup = (kid: string) => Promise<string | undefined>;

export function jwksKeyLookup(options: JwksOptions): KeyLookup & { refresh: () => Promise<void> } {
  const doFetch = options.fetch ?? fetch;
  let keys = new Map<string, string>();
  let lastAttempt = Number.NEGATIVE_INFINITY;
  let inFlight: Promise<void> | undefined;

  const refresh = (): Promise<void> => {
    inFlight ??= (async () => {
      lastAttempt = Date.now();
      try {
        const response = await doFetch(options.url, {
          headers: { accept: 'application/json' },
          redirect: 'error',
          signal: AbortSignal.timeout(options.timeoutMs ?? 3_000),
        });
        if (!response.ok) throw new Error(`JWKS answered ${response.status}`);
        keys = parseJwks(await response.json());
      } catch (error) {
        // Keep the keys we had: a JWKS outage must not lock out tokens signed with known keys.
        options.onError?.(error);
      } finally {
        inFlight = undefined;
      }
    })();
    return inFlight;
  };

  const lookup = async (kid: string) => {
    const known = keys.get(kid);
    if (known) return known;
    if (inFlight) await inFlight;
    else if (Date.now() - lastAttempt >= options.cooldownMs) await refresh();
    return keys.get(kid);
  };
  return Object.assign(lookup, { refresh });
}

/** kid → PEM for every usable signing key in a JWKS document; anything else is skipped. */
export function parseJwks(document: unknown): Map<string, string> {
  const out = new Map<string, string>();
  const list = (document as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(list)) throw new Error('the JWKS has no keys array');
  for (const jwk of list as Array<JsonWebKey & { kid?: unknown; use?: unknown; d?: unknown }>) {
    if (typeof jwk?.kid !== 'string' || jwk.kid.length === 0) continue;
    if (jwk.use !== undefined && jwk.use !== 'sig') continue;
    if (jwk.d !== undefined) continue; // never accept a private key as a verification key
    if (!['OKP', 'EC', 'RSA'].includes(String(jwk.kty))) continue; // no "oct": HMAC secrets never come from a JWKS
    try {
      out.set(jwk.kid, createPublicKey({ key: jwk, format: 'jwk' }).export({ type: 'spki', format: 'pem' }).toString());
    } catch {
      // an unparseable key is skipped; tokens naming it get 401
    }
  }
  return out;
}
