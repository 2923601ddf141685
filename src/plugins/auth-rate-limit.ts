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
// address is request.ip (IPv6 grouped by /64); behind a reverse proxy, Fastify's trustProxy
// must be set or every client counts as the proxy.
//
// The store is in memory, per process: with several instances each counts on its own (a client
// may get max × instances failures per window). A shared store fixes that: @fastify/rate-limit
// takes a `redis` (ioredis) client or a custom `store`.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import rateLimit from '@fastify/rate-limit';
import type { AuthFailure } from '../auth/verifier.js';

/** The failures that cost a signature verification: a bad signature, or claims refused after a good one. */
export const COUNTED_FAILURES: ReadonlySet<AuthFailure> = new Set(['bad_signature', 'invalid_claims', 'missing_subject']);

export interface AuthRateLimit {
  /** Failed authentications allowed per address per window; the next ones are answered 429. */
  readonly max: number;
  readonly windowSeconds: number;
}

/** Counts one failed authentication; resolves to the seconds to wait when the address is over its limit. */
export type CountAuthFailure = (request: FastifyRequest) => Promise<number | undefined>;

export async function authFailureCounter(app: FastifyInstance, { max, windowSeconds }: AuthRateLimit): Promise<CountAuthFailure> {
  await app.register(rateLimit, { global: false });
  const check = app.createRateLimit({ max, timeWindow: windowSeconds * 1000 });
  return async (request) => {
    const limit = await check(request);
    if (limit.isAllowed || !limit.isExceeded) return undefined;
    return Math.max(1, limit.ttlInSeconds);
  };
}
