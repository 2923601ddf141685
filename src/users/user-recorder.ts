// Writes a user row the first time this process sees a (subject, email), not on every request.
import { LRUCache } from 'lru-cache';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { Subject } from '../auth/subject.js';
import { upsertUser } from './user.repository.js';
import { USER_RECORDER_CAPACITY } from '../limits.js';

export type UserRecorder = (subject: Subject, email: string | undefined) => Promise<void>;

export function createUserRecorder(db: Kysely<Database>, capacity = USER_RECORDER_CAPACITY): UserRecorder {
  const seen = new LRUCache<string, true>({ max: capacity });
  return async (subject, email) => {
    const key = `${subject}\u0000${email ?? ''}`;
    if (seen.has(key)) return;
    await upsertUser(db, subject, email);
    seen.set(key, true);
  };
}
