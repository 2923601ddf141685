// Authentication for secured routes: verifies the bearer token, checks a path user_id against
// its subject (403), records the user on first sight, and sets request.subject. With `rateLimit`,
// an address over its limit of failed signature checks gets 429 instead of 401 (auth-rate-limit.ts).
import fp from 'fastify-plugin';
import type { FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import { readBearerToken } from '../auth/bearer.js';
import { AuthError, type AuthFailure, type TokenVerifier, type VerifiedToken } from '../auth/verifier.js';
import type { Subject } from '../auth/subject.js';
import { createUserRecorder } from '../users/user-recorder.js';
import { ApiError } from '../errors.js';
import { authFailureCounter, COUNTED_FAILURES, type AuthRateLimit } from './auth-rate-limit.js';

declare module 'fastify' {
  interface FastifyInstance {
    authenticate: onRequestAsyncHookHandler;
  }
  interface FastifyRequest {
    subject: Subject | undefined;
  }
}

export interface AuthOptions {
  verifier: TokenVerifier;
  /** Limit on failed authentications per client address (config.authRateLimit); null or absent: none. */
  rateLimit?: AuthRateLimit | null;
}

const REALM = 'Bearer realm="todo-api"';

const DETAILS: Record<AuthFailure, string> = {
  missing_token: 'A bearer token is required: send Authorization: Bearer <JWT>.',
  invalid_scheme: 'The Authorization header must be: Bearer <JWT>.',
  malformed_token: 'The bearer token is not a well-formed JWT.',
  unsupported_algorithm: 'The bearer token is signed with an algorithm this API does not accept.',
  bad_signature: 'The bearer token signature is not valid.',
  expired: 'The bearer token has expired.',
  not_yet_valid: 'The bearer token is not valid yet.',
  invalid_claims: 'The bearer token claims are not acceptable.',
  missing_subject: 'The bearer token has no subject (sub).',
  unknown_key: 'The bearer token is signed with a key this API does not know.',
};

function unauthorized(request: FastifyRequest, reason: AuthFailure): ApiError {
  request.log.warn(
    { event: 'auth_failed', reason, method: request.method, route: request.routeOptions.url, ip: request.ip },
    'authentication failed',
  );
  // RFC 6750: no error code when the request had no credentials at all.
  const challenge = reason === 'missing_token' ? REALM : `${REALM}, error="invalid_token"`;
  return new ApiError(401, 'unauthorized', DETAILS[reason], { 'www-authenticate': challenge });
}

function rateLimited(request: FastifyRequest, reason: AuthFailure, retryAfterSeconds: number): ApiError {
  request.log.warn(
    { event: 'rate_limited', reason, method: request.method, route: request.routeOptions.url, ip: request.ip },
    'too many failed authentications',
  );
  return new ApiError(
    429,
    'rate_limited',
    `Too many failed authentication attempts from this address; retry after ${retryAfterSeconds} seconds.`,
    {
      'retry-after': String(retryAfterSeconds),
    },
  );
}

function authorizationHeaderCount(rawHeaders: string[]): number {
  let count = 0;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!;
    // The length first: most header names are not 13 characters long, and those skip the lower-casing.
    if (name.length === 13 && name.toLowerCase() === 'authorization') count++;
  }
  return count;
}

export default fp<AuthOptions>(
  async (app, { verifier, rateLimit }) => {
    const recordUser = createUserRecorder(app.db);
    // The verifier hands out the same VerifiedToken object for a token it has verified before
    // (src/auth/verified-tokens.ts): once its user is recorded, a repeat skips the recorder's lookup.
    const recorded = new WeakSet<VerifiedToken>();
    const countFailure = rateLimit ? await authFailureCounter(app, rateLimit, app.counterStore) : undefined;
    const failed = async (request: FastifyRequest, reason: AuthFailure): Promise<ApiError> => {
      const retryAfter = COUNTED_FAILURES.has(reason) ? await countFailure?.(request) : undefined;
      return retryAfter === undefined ? unauthorized(request, reason) : rateLimited(request, reason, retryAfter);
    };
    app.decorateRequest('subject', undefined);
    app.decorate('authenticate', async (request: FastifyRequest) => {
      // Node keeps only the first of repeated Authorization headers; a request that sends two is refused.
      const bearer =
        authorizationHeaderCount(request.raw.rawHeaders) > 1
          ? ({ failure: 'invalid_scheme' } as const)
          : readBearerToken(request.headers.authorization);
      if ('failure' in bearer) throw await failed(request, bearer.failure);
      let verified;
      try {
        verified = await verifier(bearer.token);
      } catch (error) {
        if (error instanceof AuthError) throw await failed(request, error.reason);
        throw error;
      }
      const pathUser = (request.params as { user_id?: unknown }).user_id;
      if (pathUser !== undefined && pathUser !== verified.subject) {
        request.log.warn(
          { event: 'forbidden', reason: 'path_user_mismatch', method: request.method, route: request.routeOptions.url, ip: request.ip },
          'forbidden',
        );
        throw new ApiError(403, 'forbidden', 'The user id in the path does not match the authenticated user.');
      }
      if (!recorded.has(verified)) {
        await recordUser(verified.subject, verified.email);
        recorded.add(verified);
      }
      request.subject = verified.subject;
    });
  },
  { name: 'auth', dependencies: ['errors', 'database', 'counter-store'], decorators: { fastify: ['db', 'counterStore'] } },
);
