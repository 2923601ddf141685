// The owner's row must exist before any row that references it (tasks, idempotency_keys). The
// auth hook records each user on first sight (src/users/user-recorder.ts, cached per process), so
// a write finds it missing only when it was deleted after that: then the user is recorded again
// and the write runs once more. Services wrap every write that inserts an owner-referencing row
// in withOwnerRow(); this is the only place that recovers from it.
import type { Kysely } from 'kysely';
import type { Database } from './schema.js';
import type { Subject } from '../auth/subject.js';
import { upsertUser } from '../users/user.repository.js';

const FOREIGN_KEY_VIOLATION = '23503';

/**
 * Runs `write` (a statement on `db`, or a whole transaction it opens) and, when it fails because
 * the owner's row is missing, records the owner and runs it once more. `db` must not be a
 * transaction: the failure aborts one, so the whole transaction is what runs again.
 */
export async function withOwnerRow<T>(db: Kysely<Database>, owner: Subject, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if ((error as { code?: unknown }).code !== FOREIGN_KEY_VIOLATION || db.isTransaction) throw error;
    await upsertUser(db, owner, undefined);
    return await write();
  }
}
