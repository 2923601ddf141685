// Idempotency-Key (draft-ietf-httpapi-idempotency-key-header) as a step a service composes around
// a write: with a key, one transaction that
//   1. takes the key's transaction-scoped advisory lock without waiting: held means the first
//      request with this key is still in flight → IdempotencyConflict('key_in_progress') (no
//      wait, no second write);
//   2. reads the key's stored answer: the same request (its fingerprint) → that value replayed,
//      nothing written; another request → IdempotencyConflict('key_reused');
//   3. else performs the write and stores its value (with the status and headers it is answered
//      with) and commits both together.
// A crash before the commit leaves neither the write nor the key, and the lock dies with the
// connection, so a retry simply runs again. Only successful writes are stored: an error rolls
// the transaction back and the key stays free. Keys are per user (the lock and the row are both
// keyed by the owner). The lock is the only thing shared between concurrent requests and it lives
// in PostgreSQL, so this holds across processes and through PgBouncer's transaction pooling.
// PGlite has one connection: transactions take turns, so the second request waits and replays.
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { Subject } from '../auth/subject.js';
import { IdempotencyConflict } from '../domain/errors.js';
import { findKey, saveKey, tryLockKey } from './idempotency.repository.js';

/** A request's Idempotency-Key, as the handler reads it (request-key.ts). */
export interface IdempotencyKey<T> {
  key: string;
  /** What makes two requests "the same request". */
  fingerprint: string;
  /** The status and headers `value` is answered with, stored beside it (the row keeps the whole answer). */
  answerOf: (value: T) => { status: number; headers: Record<string, string> };
}

/** A write's value, and whether it is the stored one of an earlier request with the same key. */
export interface Outcome<T> {
  value: T;
  replayed: boolean;
}

/**
 * Runs `write` under `key`, if there is one: on the transaction it is given, never on `db`. The
 * replayed value is the stored JSON of the first one (a domain value the handler answers with the
 * same status and headers). Without a key, `write` runs on `db` as is.
 */
export async function idempotent<T>(
  db: Kysely<Database>,
  owner: Subject,
  key: IdempotencyKey<T> | undefined,
  write: (db: Kysely<Database>) => Promise<T>,
): Promise<Outcome<T>> {
  if (key === undefined) return { value: await write(db), replayed: false };
  return db.transaction().execute(async (trx) => {
    if (!(await tryLockKey(trx, owner, key.key))) throw new IdempotencyConflict('key_in_progress');
    const stored = await findKey(trx, owner, key.key);
    if (stored) {
      if (stored.fingerprint !== key.fingerprint) throw new IdempotencyConflict('key_reused');
      return { value: stored.body as T, replayed: true };
    }
    const value = await write(trx);
    await saveKey(trx, owner, key.key, key.fingerprint, { ...key.answerOf(value), body: value });
    return { value, replayed: false };
  });
}
