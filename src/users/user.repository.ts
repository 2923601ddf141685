// The users table: one row per subject, written on first sight (user-recorder.ts) and again when a
// write finds it missing (src/db/with-owner.ts).
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { Subject } from '../auth/subject.js';
import { owned } from '../db/owned.js';
import { queryShape } from '../db/query-shapes.js';

const upsertQuery = queryShape(
  (v: { owner: Subject; email: string | null }) => v.email !== null,
  (db, p, withEmail) =>
    owned(db, 'users', p.owner)
      .insert({ email: p.email })
      .onConflict((oc) =>
        withEmail
          ? oc.column('id').doUpdateSet({ email: p.email }).where('users.email', 'is distinct from', p.email)
          : oc.column('id').doNothing(),
      ),
  'users.upsert',
);

/** Records the user on first sight; a changed email is updated, an unchanged row is not rewritten. */
export async function upsertUser(db: Kysely<Database>, id: Subject, email: string | undefined): Promise<void> {
  await db.executeQuery(upsertQuery(db, { owner: id, email: email ?? null }));
}
