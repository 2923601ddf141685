// The idempotency_keys table: one row per (user, key) whose request succeeded, with the answer
// to replay. Rows are written only inside the transaction of the write they record, so a key
// and its write are committed together or not at all. Queries go through owned() (the owner's
// keys) or, for the sweep of expired keys, acrossOwners() (src/db/owned.ts).
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { Subject } from '../auth/subject.js';
import { IDEMPOTENCY_KEY_TTL_HOURS as KEY_TTL_HOURS } from '../limits.js';
import { acrossOwners, owned } from '../db/owned.js';
import { oneShape, queryShape } from '../db/query-shapes.js';

// Our own namespace for pg_try_advisory_xact_lock's two-key form (a key space of its own, apart
// from the single-bigint key of the migration lock).
const LOCK_NAMESPACE = 0x1de4;

/** The answer recorded with a key: its status, body and headers. */
export interface StoredResponse {
  status: number;
  body: unknown;
  headers: Record<string, string>;
}

export interface StoredKey extends StoredResponse {
  fingerprint: string;
}

/**
 * Takes the key's transaction-scoped lock without waiting: false when another transaction, the
 * first request with this key, holds it (it is still in flight). Released at commit or rollback,
 * also when the connection dies, so a crash never leaves a key blocked; no session state, so it
 * works through PgBouncer's transaction pooling. Must run inside a transaction.
 */
export async function tryLockKey(trx: Kysely<Database>, owner: Subject, key: string): Promise<boolean> {
  const { rows } = await sql<{ locked: boolean }>`
    select pg_try_advisory_xact_lock(${LOCK_NAMESPACE}::int, hashtext(${owner} || ${'\n'} || ${key})) as locked`.execute(trx);
  return rows[0]?.locked === true;
}

const findQuery = queryShape(
  oneShape<{ owner: Subject; key: string }>(),
  (db, p) =>
    owned(db, 'idempotency_keys', p.owner)
      .select()
      .select(['request_fingerprint', 'response_status', 'response_body', 'response_headers'])
      .where('key', '=', p.key)
      .where('expires_at', '>', sql<Date>`now()`),
  'idempotency_keys.find',
);

/** The key's stored answer, if it has one that has not expired. */
export async function findKey(db: Kysely<Database>, owner: Subject, key: string): Promise<StoredKey | undefined> {
  const row = (await db.executeQuery(findQuery(db, { owner, key }))).rows[0];
  return (
    row && { fingerprint: row.request_fingerprint, status: row.response_status, body: row.response_body, headers: row.response_headers }
  );
}

interface SaveValues {
  owner: Subject;
  key: string;
  fingerprint: string;
  status: number;
  /** JSON text. */
  body: string;
  /** JSON text. */
  headers: string;
}

const saveQuery = queryShape(
  oneShape<SaveValues>(),
  (db, p) => {
    const values = {
      request_fingerprint: p.fingerprint,
      response_status: p.status,
      response_body: p.body,
      response_headers: p.headers,
      created_at: sql<Date>`now()`,
      expires_at: sql<Date>`now() + make_interval(hours => ${KEY_TTL_HOURS})`,
    };
    return owned(db, 'idempotency_keys', p.owner)
      .insert({ key: p.key, ...values })
      .onConflict((oc) =>
        oc
          .columns(['user_id', 'key'])
          .doUpdateSet(values)
          .where('idempotency_keys.expires_at', '<=', sql<Date>`now()`),
      );
  },
  'idempotency_keys.save',
);

/** Records the key's answer; an expired row for the same key is replaced. */
export async function saveKey(
  db: Kysely<Database>,
  owner: Subject,
  key: string,
  fingerprint: string,
  response: StoredResponse,
): Promise<void> {
  const query = saveQuery(db, {
    owner,
    key,
    fingerprint,
    status: response.status,
    body: JSON.stringify(response.body ?? null),
    headers: JSON.stringify(response.headers),
  });
  const result = await db.executeQuery(query);
  // Under the key's lock, with no live row found, the insert cannot conflict with a live key.
  if (result.numAffectedRows !== 1n) throw new Error('idempotency key row was neither inserted nor replaced');
}

/**
 * Deletes up to `limit` expired keys of every user, oldest first, through the expires_at index
 * (never a scan of the whole table); rows another sweeper is deleting are skipped, not waited for.
 */
export async function deleteExpiredKeys(db: Kysely<Database>, limit: number): Promise<number> {
  const keys = acrossOwners(db, 'idempotency_keys');
  const result = await keys
    .delete()
    .where((eb) =>
      eb(
        eb.refTuple('user_id', 'key'),
        'in',
        keys
          .select()
          .select(['user_id', 'key'])
          .where('expires_at', '<=', sql<Date>`now()`)
          .orderBy('expires_at')
          .limit(limit)
          .forUpdate()
          .skipLocked()
          .$asTuple('user_id', 'key'),
      ),
    )
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
