// Counts failed authentications per client address with @fastify/rate-limit (global: false, so
// no route is limited by it) and tells the auth plugin when an address has had too many.
//
// What it protects: forging a token is infeasible, so the cost of a failure is CPU, and the only
// expensive failure is one whose signature was checked (docs/SECURITY.md has the measurements).
// So only those count (COUNTED_FAILURES): a missing, malformed, expired or not-yet-valid token, an
// unknown algorithm or key id is refused before any signature work and never counts, so a frontend's
// ordinary expired-token 401 stays a 401 however many of its users share one address.
//
// Only failures are counted (the library's documented "failed login" use of createRateLimit):
// a request with a valid token is never counted and never limited, so a client that shares an
// address (NAT, a corporate proxy) with someone sending bad tokens is not locked out. The
// address is request.ip (IPv6 grouped by /64); behind a reverse proxy, TRUST_PROXY (trustProxy)
// must be set or every client counts as the proxy.
//
// The counts live in the app's counter store (src/counters/counter-store.ts): this process's
// memory, or with REDIS_URL, Redis (@fastify/rate-limit's Redis store), so the limit holds across
// every process. A Redis failure fails open: the failure is not counted, the request is answered
// 401 as usual, and the store reports it (logged once, shown on /ready).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import rateLimit from '@fastify/rate-limit';
import type { AuthFailure } from '../auth/verifier.js';
import type { CounterStore } from '../counters/counter-store.js';

/** The failures that cost a signature verification: a bad signature, or claims refused after a good one. */
export const COUNTED_FAILURES: ReadonlySet<AuthFailure> = new Set(['bad_signature', 'invalid_claims', 'missing_subject']);

export interface AuthRateLimit {
  /** Failed authentications allowed per address per window; the next ones are answered 429. */
  readonly max: number;
  readonly windowSeconds: number;
}

/** Counts one failed authentication; resolves to the seconds to wait when the address is over its limit. */
export type CountAuthFailure = (request: FastifyRequest) => Promise<number | undefined>;

export async function authFailureCounter(
  app: FastifyInstance,
  { max, windowSeconds }: AuthRateLimit,
  store: CounterStore,
): Promise<CountAuthFailure> {
  await app.register(rateLimit, {
    global: false,
    max,
    timeWindow: windowSeconds * 1000,
    ...(store.redis ? { redis: store.redis, nameSpace: `${store.keyPrefix}auth-failures:` } : {}),
    // Store errors reach the catch below (logged, reported), rather than being skipped silently.
    skipOnError: false,
  });
  // Without options: the limit registered above, and keys that are just the prefix and the address.
  const check = app.createRateLimit();
  return async (request) => {
    let limit;
    try {
      limit = await check(request);
    } catch (error) {
      store.commandFailed(error);
      return undefined;
    }
    store.commandSucceeded();
    if (limit.isAllowed || !limit.isExceeded) return undefined;
    return Math.max(1, limit.ttlInSeconds);
  };
}
