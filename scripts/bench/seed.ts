// The bench's data and its correctness: seeding through the API (so the data is what the API itself
// writes), the check before the load that every server answers list and get alike, a checker that
// creates and reads back tasks during the load (--embedded), and the check after the load that
// nothing was lost or counted wrong.
import { randomBytes } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { mintToken } from '../../src/auth/dev-token.js';
import type { BenchData, BenchUser } from './plans.js';
import { sleep } from './processes.js';
import { LABEL, type Server } from './servers.js';

interface Answer {
  status: number;
  json: unknown;
  link: string | null;
}

/** One request; a 503 (load shedding on a busy machine) is retried after Retry-After, a few times. */
export async function call(port: number, method: string, url: string, token: string, body?: unknown): Promise<Answer> {
  for (let attempt = 1; ; attempt++) {
    const res = await fetch(`http://127.0.0.1:${port}${url}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(30_000),
    });
    const answer = { status: res.status, json: (await res.json()) as unknown, link: res.headers.get('link') };
    if (answer.status !== 503 || attempt >= 20) return answer;
    await sleep(Number(res.headers.get('retry-after') ?? 1) * 1000);
  }
}

/** Runs `task(i)` for i < count with at most `limit` in flight. */
async function pooled<T>(count: number, limit: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const results = new Array<T>(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      results[i] = await task(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, count) }, worker));
  return results;
}

/** `users` readers with `tasksPerUser` tasks each, and as many writers (who receive the creates, so the readers' lists keep their size). */
export async function seed(port: number, secret: string, users: number, tasksPerUser: number): Promise<BenchData> {
  const person = (id: string) => ({ id, token: mintToken(secret, { sub: id, email: `${id}@bench.invalid` }, 24 * 3600) });
  const pad = (i: number) => String(i).padStart(4, '0');
  const readers = Array.from({ length: users }, (_, i) => person(`bench-reader-${pad(i)}`));
  const writers = Array.from({ length: users }, (_, i) => person(`bench-writer-${pad(i)}`));
  const created = await pooled(users * tasksPerUser, 16, async (i) => {
    const user = readers[i % users]!;
    const n = Math.floor(i / users);
    const { status, json } = await call(port, 'POST', '/api/tasks', user.token, {
      title: `Task ${n + 1} of ${user.id}`,
      description: n % 3 === 0 ? null : `Seeded by the benchmark: task ${n + 1}, with a description of moderate length.`,
      completed: n % 4 === 0,
    });
    if (status !== 201) throw new Error(`seeding: POST /api/tasks answered ${status}: ${JSON.stringify(json)}`);
    return { user: user.id, id: (json as { id: string }).id };
  });
  // Our auth records a user on first sight: then the ceiling's inserts for the writers satisfy the foreign key.
  await pooled(writers.length, 16, async (i) => {
    const { status } = await call(port, 'GET', '/api/tasks', writers[i]!.token);
    if (status !== 200) throw new Error(`seeding: GET /api/tasks for a writer answered ${status}`);
  });
  const taskIds = (id: string) => created.filter((c) => c.user === id).map((c) => c.id);
  return { users: readers.map((r) => ({ ...r, taskIds: taskIds(r.id) })), writers };
}

/** Every server answers list and get for the same user with the same body, so they do the same work. */
export async function checkSameAnswers(servers: Server[], user: BenchUser): Promise<void> {
  const headers = { authorization: `Bearer ${user.token}`, 'x-user': user.id };
  const answers = async (server: Server) =>
    Promise.all(
      ['/api/tasks', `/api/tasks/${user.taskIds[0]}`].map(async (url) => {
        const res = await fetch(`http://127.0.0.1:${server.port}${url}`, { headers, signal: AbortSignal.timeout(10_000) });
        return { url, status: res.status, body: (await res.json()) as unknown };
      }),
    );
  const [first, ...others] = servers;
  const expected = await answers(first!);
  if (expected.some((a) => a.status !== 200)) throw new Error(`${LABEL[first!.kind]}: ${JSON.stringify(expected).slice(0, 500)}`);
  for (const server of others) {
    const got = await answers(server);
    for (const [i, answer] of got.entries())
      if (!isDeepStrictEqual(answer, expected[i]))
        throw new Error(
          `${LABEL[server.kind]} answers ${answer.url} otherwise than ${LABEL[first!.kind]}: ${JSON.stringify(answer).slice(0, 500)}`,
        );
  }
}

/** Creates and reads back a task at once, one after another, until `stop()`: read-your-writes under load. */
export async function checker(port: number, token: string, stop: () => boolean): Promise<{ ids: string[]; problems: string[] }> {
  const ids: string[] = [];
  const problems: string[] = [];
  while (!stop()) {
    const title = `checker ${randomBytes(6).toString('hex')}`;
    const made = await call(port, 'POST', '/api/tasks', token, { title });
    const id = (made.json as { id: string }).id;
    if (made.status !== 201) problems.push(`checker: POST answered ${made.status}`);
    else ids.push(id);
    const read = made.status === 201 ? await call(port, 'GET', `/api/tasks/${id}`, token) : undefined;
    if (read && (read.status !== 200 || (read.json as { title: string }).title !== title))
      problems.push(`checker: the task just created answered ${read.status}`);
  }
  return { ids, problems };
}

/** Every task id of the user, by a full cursor walk of the list. */
async function walk(port: number, token: string): Promise<string[]> {
  const ids: string[] = [];
  for (let next: string | undefined = '/api/tasks?limit=1000'; next;) {
    const page = await call(port, 'GET', next, token);
    if (page.status !== 200) throw new Error(`GET ${next}: ${page.status}`);
    ids.push(...(page.json as { id: string }[]).map((t) => t.id));
    next = /^<([^>]+)>/.exec(page.link ?? '')?.[1];
  }
  return ids;
}

/**
 * After the load: every reader holds exactly its seeded tasks, the checker's tasks are all there, and
 * for every user the stats' total (counts kept by a trigger) is the number of tasks a full walk
 * returns, none twice. Answers the problems found.
 */
export async function checkConsistency(port: number, data: BenchData, checked: readonly string[]): Promise<string[]> {
  const problems: string[] = [];
  for (const user of [...data.users, ...data.writers]) {
    const ids = await walk(port, user.token);
    const stats = await call(port, 'GET', '/api/tasks/stats', user.token);
    const total = (stats.json as { total?: number }).total;
    if (stats.status !== 200 || total !== ids.length)
      problems.push(`${user.id}: stats total ${total}, but the list walks ${ids.length} tasks`);
    if (new Set(ids).size !== ids.length) problems.push(`${user.id}: the walk returned a task twice`);
    const seeded = 'taskIds' in user ? (user as BenchUser).taskIds : undefined;
    if (seeded && (ids.length !== seeded.length || !seeded.every((id) => ids.includes(id))))
      problems.push(`${user.id}: ${ids.length} tasks, expected its ${seeded.length} seeded ones`);
    if (user === data.writers[0]) {
      const missing = checked.filter((id) => !ids.includes(id)).length;
      if (missing > 0) problems.push(`${missing} of the checker's ${checked.length} tasks are not in its list`);
    }
  }
  return problems;
}
