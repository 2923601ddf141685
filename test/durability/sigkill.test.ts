// Nothing acknowledged is lost: concurrent clients create tasks over HTTP against the real server
// process, which is killed with SIGKILL mid-load (no graceful shutdown, requests in flight), then
// started again on the same database. Every task answered with 201 must exist with exactly the
// content that answer carried. Requests still in flight at the kill are in doubt: each may or may
// not have been committed; the test counts them and how many were, and checks that nothing else
// appeared (no task that was never sent, no duplicate).
//
// Half the clients send each create with an Idempotency-Key, as a careful frontend would. After
// the restart every one of those that was acknowledged or in doubt is retried with its key: each
// must yield exactly one task (a replay of what was committed, or the create that was not).
//
// The database is the one the suite runs on: the embedded PGlite in a temporary DATA_DIR in
// `npm test`, a fresh PostgreSQL database (DATABASE_URL) in `npm run test:db`.
import { randomBytes } from 'node:crypto';
import t from 'tap';
import { DATABASE_KIND, freshDatabase, SECRET, tokenFor } from '../helper.js';
import { keepAliveAgent, request } from '../support/http.js';
import { startServer } from '../support/server-process.js';
import type { Task } from '../support/types.js';

const CLIENTS = 24;
const USERS = 4;
/** The server is killed when this many creates have been acknowledged. */
const KILL_AFTER = 400;

interface Attempt {
  user: string;
  /** The Idempotency-Key it was sent with (clients with an even number send one). */
  key?: string;
  body: { title: string; description?: string; completed?: boolean };
  /** The 201 body; undefined while in flight or when no answer came. */
  acked?: Task;
  /** Another status, or the network error that ended the request (the process was killed). */
  failed?: string;
}

const userOf = (client: number) => `durable-user-${client % USERS}`;
/** Keep-alive connections, as many as the clients ask for at once. */
const agent = keepAliveAgent(Infinity);

async function listAll(base: string, user: string): Promise<Task[]> {
  const all: Task[] = [];
  for (let offset = 0; ; offset += 1000) {
    const res = await request(base, `/api/tasks?limit=1000&offset=${offset}&sort=created_at&order=asc`, { token: tokenFor(user), agent });
    if (res.status !== 200) throw new Error(`listing ${user}'s tasks: ${res.status} ${res.body}`);
    const page = res.json() as Task[];
    all.push(...page);
    if (page.length < 1000) return all;
  }
}

t.test(`acknowledged creates survive SIGKILL of the server process (${DATABASE_KIND})`, async (t) => {
  t.teardown(() => agent.destroy());
  const dir = t.testdir();
  const database = await freshDatabase(t);
  // Durability is what is tested here, not the limits: no auth-failure limit, and no load shedding
  // (on a loaded machine the embedded database's event-loop delay sheds creates and, after the
  // restart's crash recovery, the listings with 503 overloaded; test/load/overload.test.ts tests that).
  const env: Record<string, string> = {
    NODE_ENV: 'test',
    BETTER_AUTH_SECRET: SECRET,
    AUTH_RATE_LIMIT_MAX: '0',
    OVERLOAD_MAX_EVENT_LOOP_DELAY_MS: '0',
  };
  if (database.kind === 'postgres') env.DATABASE_URL = database.url;
  else env.DATA_DIR = dir; // the embedded database on disk, in DATA_DIR/pglite

  const first = await startServer(env, dir);
  t.teardown(() => void first.child.kill('SIGKILL'));

  const attempts: Attempt[] = [];
  let acked = 0;
  let killed = false;
  let inFlightAtKill = -1;
  const client = async (c: number) => {
    for (let n = 0; !killed; n++) {
      const user = userOf(c);
      // Distinct content per request, some with no description, some created completed.
      const body: Attempt['body'] = { title: `c${c}-n${n}-${randomBytes(3).toString('hex')}` };
      if (n % 5 !== 0) body.description = `client ${c}, request ${n}: ${randomBytes(12).toString('base64')}`;
      if (n % 3 === 0) body.completed = true;
      const attempt: Attempt = { user, body, ...(c % 2 === 0 ? { key: `sigkill-${c}-${n}-${randomBytes(4).toString('hex')}` } : {}) };
      attempts.push(attempt);
      try {
        const res = await request(first.base, '/api/tasks', {
          method: 'POST',
          token: tokenFor(user),
          headers: attempt.key ? { 'idempotency-key': attempt.key } : {},
          body,
          agent,
        });
        if (res.status !== 201) {
          attempt.failed = `${res.status} ${res.body.slice(0, 200)}`;
          continue;
        }
        attempt.acked = res.json() as Task;
        if (++acked === KILL_AFTER && !killed) {
          // Kill now, from inside this response's handling: the other clients are mid-request.
          inFlightAtKill = attempts.filter((a) => !a.acked && !a.failed).length;
          killed = first.child.kill('SIGKILL');
        }
      } catch (error) {
        attempt.failed = String(error);
      }
    }
  };
  await Promise.all(Array.from({ length: CLIENTS }, (_, c) => client(c)));
  const ended = await first.exited;
  t.equal(ended.signal, 'SIGKILL', 'the first process died of SIGKILL');
  t.ok(inFlightAtKill > 0, `requests were in flight at the kill (${inFlightAtKill})`);

  const ackedAttempts = attempts.filter((a) => a.acked);
  const refused = attempts.filter((a) => a.failed && /^\d{3} /.test(a.failed));
  t.same(
    refused.map((a) => a.failed),
    [],
    'before the kill, every create that got an answer got a 201',
  );
  const inDoubt = attempts.filter((a) => !a.acked && !/^\d{3} /.test(a.failed ?? ''));

  // The same database, a new process: it must start cleanly (crash recovery, no stale lock).
  const second = await startServer(env, dir);
  t.teardown(() => void second.child.kill('SIGKILL'));
  t.notMatch(second.notes(), /"level":(50|60)/, 'the restart logged no error');

  const byTitle = new Map<string, Task>();
  let duplicates = 0;
  for (let u = 0; u < USERS; u++) {
    for (const task of await listAll(second.base, userOf(u))) {
      if (byTitle.has(task.title)) duplicates++;
      byTitle.set(task.title, task);
    }
  }
  t.equal(duplicates, 0, 'no title appears twice');

  const missing = ackedAttempts.filter((a) => !byTitle.has(a.body.title));
  t.same(
    missing.map((a) => a.acked),
    [],
    'every acknowledged task exists after the restart',
  );
  const changed = ackedAttempts.filter(
    (a) => byTitle.has(a.body.title) && JSON.stringify(byTitle.get(a.body.title)) !== JSON.stringify(a.acked),
  );
  t.same(
    changed.map((a) => ({ acknowledged: a.acked, found: byTitle.get(a.body.title) })),
    [],
    'each with exactly the acknowledged content',
  );
  for (const a of ackedAttempts.slice(0, 3)) {
    t.match(a.acked, {
      user_id: a.user,
      title: a.body.title,
      description: a.body.description ?? null,
      completed: a.body.completed ?? false,
    });
  }

  const sent = new Set(attempts.map((a) => a.body.title));
  t.same(
    [...byTitle.keys()].filter((title) => !sent.has(title)),
    [],
    'no task exists that was never sent',
  );
  const committedInDoubt = inDoubt.filter((a) => byTitle.has(a.body.title));
  for (const a of committedInDoubt) {
    const task = byTitle.get(a.body.title)!;
    t.match(
      task,
      { user_id: a.user, description: a.body.description ?? null, completed: a.body.completed ?? false },
      'an in-doubt task that was committed has the content sent',
    );
  }
  t.equal(
    byTitle.size,
    ackedAttempts.length + committedInDoubt.length,
    'the database holds the acknowledged tasks plus committed in-doubt ones, nothing else',
  );

  // Every keyed create that was acknowledged or in doubt, retried with its key: exactly one task each.
  const retried = attempts.filter((a) => a.key && (a.acked || inDoubt.includes(a)));
  let replays = 0;
  let createdOnRetry = 0;
  const badRetries: string[] = [];
  for (const a of retried) {
    const res = await request(second.base, '/api/tasks', {
      method: 'POST',
      token: tokenFor(a.user),
      headers: { 'idempotency-key': a.key! },
      body: a.body,
      agent,
    });
    const task = res.json() as Task;
    const replayed = res.headers['idempotent-replayed'] === 'true';
    const committed = byTitle.get(a.body.title);
    if (res.status !== 201) badRetries.push(`${a.key}: ${res.status}`);
    else if (committed ? !replayed || JSON.stringify(task) !== JSON.stringify(committed) : replayed)
      badRetries.push(`${a.key}: committed ${Boolean(committed)}, replayed ${replayed}`);
    if (replayed) replays++;
    else createdOnRetry++;
  }
  t.same(badRetries, [], 'each retry replays the committed create, or creates the one that was not committed');
  t.ok(
    retried.some((a) => a.acked),
    'acknowledged keyed creates were retried',
  );
  const afterRetry = new Map<string, number>();
  for (let u = 0; u < USERS; u++)
    for (const task of await listAll(second.base, userOf(u))) afterRetry.set(task.title, (afterRetry.get(task.title) ?? 0) + 1);
  t.same(
    retried.filter((a) => afterRetry.get(a.body.title) !== 1).map((a) => a.key),
    [],
    'every retried create exists exactly once',
  );
  t.equal(
    [...afterRetry.values()].reduce((x, y) => x + y, 0),
    byTitle.size + createdOnRetry,
    'the retries added only the creates that had not been committed',
  );

  // Still writable, and a graceful stop works after the recovery.
  const after = await request(second.base, '/api/tasks', {
    method: 'POST',
    token: tokenFor(userOf(0)),
    body: { title: 'after the restart' },
    agent,
  });
  t.equal(after.status, 201, 'the restarted server accepts writes');
  second.child.kill('SIGTERM');
  t.same(await second.exited, { code: 0, signal: null }, 'and shuts down cleanly on SIGTERM');

  t.comment(
    `${DATABASE_KIND}: ${attempts.length} creates sent by ${CLIENTS} clients; ${ackedAttempts.length} acknowledged (201), ` +
      `${missing.length} of them missing and ${changed.length} changed after the restart; ` +
      `${inDoubt.length} in doubt at the SIGKILL (${inFlightAtKill} in flight when it was sent), ${committedInDoubt.length} of them committed anyway; ` +
      `${retried.length} keyed creates retried after the restart: ${replays} replayed, ${createdOnRetry} created`,
  );
});
