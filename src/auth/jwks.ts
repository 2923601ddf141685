// Better Auth's public keys, fetched from its JWKS and cached by `kid`.
//
// Written here rather than with get-jwks: get-jwks cannot turn OKP (Ed25519, Better Auth's
// default) keys into PEM and refetches on every unknown kid. Keys are only ever fetched from the
// configured URL; jku/x5u/jwk/x5c token headers are ignored.
//
// Better Auth signs with a new key as soon as it has rotated, so the first token naming a new kid
// can arrive right after the fetch that served the old set. An unknown kid therefore waits for a
// fetch that started after it was asked for: one fetch at a time (every waiter shares it), at most
// one per `minIntervalMs` (1 s by default: a new key verifies within about a second, and a flood of
// made-up kids costs at most one fetch a second, 60 a minute). A request waits at most
// `maxWaitMs` for the next permitted fetch; when that is further away (a long interval), the unknown
// kid is refused at once.
import { createPublicKey, type JsonWebKey } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { JWKS_FETCH_TIMEOUT_MS, JWKS_MAX_WAIT_MS } from '../limits.js';

export interface JwksOptions {
  url: string;
  /** At most one fetch per this many milliseconds. */
  minIntervalMs: number;
  /** An unknown kid waits this long at most for the next permitted fetch to start (default 2 s). */
  maxWaitMs?: number;
  /** A fetch that takes longer is abandoned (the request answers 401, not a hang). */
  timeoutMs?: number;
  fetch?: typeof fetch;
  onError?: (error: unknown) => void;
}

/** The public key (PEM) for a token's kid, or undefined when the JWKS does not have it. */
export type KeyLookup = (kid: string) => Promise<string | undefined>;

interface Round {
  /** When its fetch started (set once it has). */
  startedAt: number | undefined;
  done: Promise<void>;
}

export function jwksKeyLookup(options: JwksOptions): KeyLookup {
  const doFetch = options.fetch ?? fetch;
  const maxWaitMs = options.maxWaitMs ?? JWKS_MAX_WAIT_MS;
  let keys = new Map<string, string>();
  let lastStart = Number.NEGATIVE_INFINITY;
  let pending: Round | undefined;

  const fetchKeys = async () => {
    try {
      const response = await doFetch(options.url, {
        headers: { accept: 'application/json' },
        redirect: 'error',
        signal: AbortSignal.timeout(options.timeoutMs ?? JWKS_FETCH_TIMEOUT_MS),
      });
      if (!response.ok) throw new Error(`JWKS answered ${response.status}`);
      keys = parseJwks(await response.json());
    } catch (error) {
      // Keep the keys we had: a JWKS outage must not lock out tokens signed with known keys.
      options.onError?.(error);
    }
  };

  /** The pending round (scheduled or in flight), or a new one; undefined when the next permitted fetch is too far away. */
  const nextRound = (): Round | undefined => {
    if (pending) return pending;
    const wait = Math.max(0, lastStart + options.minIntervalMs - Date.now());
    if (wait > maxWaitMs) return undefined;
    const round: Round = { startedAt: undefined, done: Promise.resolve() };
    round.done = (async () => {
      if (wait > 0) await sleep(wait);
      round.startedAt = lastStart = Date.now();
      try {
        await fetchKeys();
      } finally {
        pending = undefined;
      }
    })();
    pending = round;
    return round;
  };

  return async (kid) => {
    const asked = Date.now();
    for (;;) {
      const known = keys.get(kid);
      if (known) return known;
      const round = nextRound();
      if (!round) return undefined;
      await round.done;
      // A fetch that started before this kid was asked for may predate the rotation: wait for the next one.
      if (round.startedAt! >= asked) return keys.get(kid);
    }
  };
}

/** kid → PEM for every usable signing key in a JWKS document; anything else is skipped. */
function parseJwks(document: unknown): Map<string, string> {
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
