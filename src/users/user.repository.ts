import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { Subject } from '../auth/subject.js';

/** Records the user on first sight; a changed email is updated, an unchanged row is not rewritten. */
export async function upsertUser(db: Kysely<Database>, id: Subject, email: string | undefined): Promise<void> {
  await db
    .insertInto('users')
    .values({ id, email: email ?? null })
    .onConflict((oc) =>
      email === undefined
        ? oc.column('id').doNothing()
        : oc.column('id').doUpdateSet({ email }).where('users.email', 'is distinct from', email),
    )
    .execute();
}
