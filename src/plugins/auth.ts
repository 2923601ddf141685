// Authentication for secured routes: verifies the bearer token, checks a path user_id against
// its subject (403), records the user on first sight, and sets request.subject.
import fp from 'fastify-plugin';
import type { FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import { readBearerToken } from '../auth/bearer.js';
import { AuthError, type AuthFailure, type TokenVerifier } from '../auth/verifier.js';
import type { Subject } from '../auth/subject.js';
import { createUserRecorder } from '../users/user-recorder.js';
import { ApiError } from '../errors.js';

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
  request.log.warn({ event: 'auth_failed', reason, method: request.method, route: request.routeOptions.url, ip: request.ip }, 'authentication failed');
  // RFC 6750: no error code when the request had no credentials at all.
  const challenge = reason === 'missing_token' ? REALM : `${REALM}, error="invalid_token"`;
  return new ApiError(401, 'unauthorized', DETAILS[reason], { 'www-authenticate': challenge });
}

export default fp<AuthOptions>(
  async (app, { verifier }) => {
    const recordUser = createUserRecorder(app.db);
    app.decorateRequest('subject', undefined);
    app.decorate('authenticate', async (request: FastifyRequest) => {
      const bearer = readBearerToken(request.headers.authorization);
      if ('failure' in bearer) throw unauthorized(request, bearer.failure);
      let verified;
      try {
        verified = await verifier(bearer.token);
      } catch (error) {
        if (error instanceof AuthError) throw unauthorized(request, error.reason);
        throw error;
      }
      const pathUser = (request.params as { user_id?: unknown }).user_id;
      if (pathUser !== undefined && pathUser !== verified.subject) {
        request.log.warn({ event: 'forbidden', reason: 'path_user_mismatch', method: request.method, route: request.routeOptions.url, ip: request.ip }, 'forbidden');
        throw new ApiError(403, 'forbidden', 'The user id in the path does not match the authenticated user.');
      }
      await recordUser(verified.subject, verified.email);
      request.subject = verified.subject;
    });
  },
  { name: 'auth', dependencies: ['database'] },
);
