// The HTTP side of Idempotency-Key: the header, and the fingerprint that says whether a second
// request with the same key is the same request (method, path as addressed, body with key order
// ignored).
import { createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import stringify from 'safe-stable-stringify';
import { pathOf } from '../http/request-path.js';
import type { IdempotencyKey } from './idempotent.js';

function fingerprintOf(request: FastifyRequest): string {
  return createHash('sha256')
    .update(`${request.method} ${pathOf(request)}\n${stringify(request.body ?? null)}`)
    .digest('base64url');
}

/** The request's Idempotency-Key for a write answered by `answerOf`, or undefined without the header. */
export function idempotencyKeyOf<T>(request: FastifyRequest, answerOf: IdempotencyKey<T>['answerOf']): IdempotencyKey<T> | undefined {
  const key = request.headers['idempotency-key'];
  return typeof key === 'string' ? { key, fingerprint: fingerprintOf(request), answerOf } : undefined;
}
