// Tokens that passed verification, keyed by the token string itself: a request that repeats one (a
// frontend sends the same token on every call) is answered from here, without decoding it again or
// hashing it for fast-jwt's own cache (which keys by a SHA-256 of the token: ~2 µs and a decode per hit).
//
// Only successes are kept; a failure goes through the full verification every time, where fast-jwt's
// error cache (verifier.ts, errorCacheTTL) decides. An entry is used only inside the bounds
// fast-jwt's cache gives the same token: from nbf − tolerance, until exp + tolerance, and never more
// than VERIFIED_TOKEN_CACHE_TTL_MS after it was verified (so a key removed from the JWKS stops being trusted then).
import { LRUCache } from 'lru-cache';
import type { VerifiedToken } from './verifier.js';
import { VERIFIED_TOKEN_CACHE_TTL_MS } from '../limits.js';

interface Entry {
  readonly verified: VerifiedToken;
  /** Epoch ms: usable from (nbf − tolerance) … until (exp + tolerance, capped at verification + VERIFIED_TOKEN_CACHE_TTL_MS). */
  readonly from: number;
  readonly until: number;
}

export interface VerifiedTokenCache {
  get(token: string, now: number): VerifiedToken | undefined;
  set(token: string, verified: VerifiedToken, claims: { exp?: unknown; nbf?: unknown }, now: number): void;
}

export function verifiedTokenCache(max: number, toleranceMs: number): VerifiedTokenCache {
  const entries = new LRUCache<string, Entry>({ max });
  return {
    get(token, now) {
      const entry = entries.get(token);
      if (entry === undefined) return undefined;
      if (now >= entry.from && now <= entry.until) return entry.verified;
      // Expired for good, or (nbf) not yet: the full verification decides, as on a miss.
      if (now > entry.until) entries.delete(token);
      return undefined;
    },
    set(token, verified, { exp, nbf }, now) {
      // A verified token always has a numeric exp (a required claim, checked by type); without one, nothing is kept.
      if (typeof exp !== 'number') return;
      const until = Math.min(exp * 1000 + toleranceMs, now + VERIFIED_TOKEN_CACHE_TTL_MS);
      const from = typeof nbf === 'number' ? nbf * 1000 - toleranceMs : 0;
      entries.set(token, { verified, from, until });
    },
  };
}
