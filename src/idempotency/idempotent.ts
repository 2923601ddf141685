// Idempotency-Key (draft-ietf-httpapi-idempotency-key-header) for a handler's write: one
// transaction that
//   1. takes the key's transaction-scoped advisory lock without waiting: held means the first
//      request with this key is still in flight → 409 idempotency_key_in_progress (no wait, no
//      second write);
//   2. reads the key's stored answer: same request (method, path, body) → that answer replayed,
//      nothing written; another request → 422 idempotency_key_reused;
//   3. else performs the write and stores its answer, and commits both together.
// A crash before the commit leaves neither the write nor the key, and the lock dies with the
// connection, so a retry simply runs again. Only successful answers are stored: an error rolls
// the transaction back and the key stays free. Keys are per user (the lock and the row are both
// keyed by the owner). The lock is the only thing shared between concurrent requests and it lives
// in PostgreSQL, so this holds across processes and through PgBouncer's transaction pooling.
// PGlite has one connection: transactions take turns, so the second request waits and replays.
import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import stringify from 'safe-stable-stringify';
import type { Database } from '../db/schema.js';
import type { Subject } from '../auth/subject.js';
import { ownerOf } from '../auth/owner.js';
import { pathOf } from '../http/request-path.js';
import { upsertUser } from '../users/user.repository.js';
import { ApiError } from '../errors.js';
import { findKey, saveKey, tryLockKey, type StoredResponse } from './idempotency.repository.js';

const FOREIGN_KEY_VIOLATION = '23503';

export type { StoredResponse };

export const keyInProgress = () =>
  new ApiError(409, 'idempotency_key_in_progress', 'A request with this Idempotency-Key is still in progress; retry later.', {
    'retry-after': '1',
  });

export const keyReused = () =>
  new ApiError(422, 'idempotency_key_reused', 'This Idempotency-Key was already used for a different request.');

/** What makes two requests "the same request": method, path as addressed, body (key order ignored). */
export function fingerprintOf(request: FastifyRequest): string {
  return createHash('sha256')
    .update(`${request.method} ${pathOf(request)}\n${stringify(request.body ?? null)}`)
    .digest('base64url');
}

/**
 * Runs `perform` (on the transaction it is given, never on request.server.db) under the request's
 * Idempotency-Key, if it has one, and sends the answer: the fresh one, or the stored one with
 * `Idempotent-Replayed: true`. Without the header, `perform` runs as is.
 */
export async function sendIdempotent(
  request: FastifyRequest,
  reply: FastifyReply,
  perform: (db: Kysely<Database>) => Promise<StoredResponse>,
): Promise<FastifyReply> {
  const key = request.headers['idempotency-key'];
  const { db } = request.server;
  if (typeof key !== 'string') return send(reply, await perform(db), false);
  const owner = ownerOf(request);
  const fingerprint = fingerprintOf(request);
  const attempt = () => db.transaction().execute((trx) => underKey(trx, owner, key, fingerprint, perform));
  let outcome: { response: StoredResponse; replayed: boolean };
  try {
    outcome = await attempt();
  } catch (error) {
    // The user row was deleted after this process first recorded the user (the key row and the
    // task both reference it): record it again and run the transaction once more.
    if ((error as { code?: unknown }).code !== FOREIGN_KEY_VIOLATION) throw error;
    await upsertUser(db, owner, undefined);
    outcome = await attempt();
  }
  return send(reply, outcome.response, outcome.replayed);
}

async function underKey(
  trx: Kysely<Database>,
  owner: Subject,
  key: string,
  fingerprint: string,
  perform: (db: Kysely<Database>) => Promise<StoredResponse>,
): Promise<{ response: StoredResponse; replayed: boolean }> {
  if (!(await tryLockKey(trx, owner, key))) throw keyInProgress();
  const stored = await findKey(trx, owner, key);
  if (stored) {
    if (stored.fingerprint !== fingerprint) throw keyReused();
    return { response: stored, replayed: true };
  }
  const response = await perform(trx);
  await saveKey(trx, owner, key, fingerprint, response);
  return { response, replayed: false };
}

function send(reply: FastifyReply, response: StoredResponse, replayed: boolean): FastifyReply {
  reply.headers(response.headers);
  if (replayed) reply.header('idempotent-replayed', 'true');
  return reply.code(response.status).send(response.body);
}
