// Seeding through the API (so the data is what the API itself writes) and the check, before any
// load, that every server answers list and get alike for the same user.
import { mintToken } from '../../src/auth/dev-token.js';
import { log, sleep } from './processes.js';
import { LABEL, type Server } from './servers.js';
import type { BenchData, BenchUser, BenchWriter } from './shared.js';

/** Runs `task(i)` for i < count with at most `limit` in flight. */
async function pooled<T>(count: number, limit: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array<T>(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, count) }, async () => {
      while (next < count) {
        const i = next++;
        results[i] = await task(i);
      }
    }),
  );
  return results;
}

async function call(base: string, method: string, url: string, token: string, body?: unknown): Promise<{ status: number; json: unknown }> {
  // Bounded retries: a transient failure (or a 503 from load shedding on a busy machine) while
  // seeding should not end the bench, a broken server should.
  for (let attempt = 1; ; attempt++) {
    try {
      const res = await fetch(`${base}${url}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(10_000),
      });
      const answer = { status: res.status, json: (await res.json()) as unknown };
      if (answer.status !== 503 || attempt >= 10) return answer;
      await sleep(Number(res.headers.get('retry-after') ?? 1) * 1000);
    } catch (error) {
      if (attempt >= 3) throw error;
      await sleep(200 * attempt);
    }
  }
}

/** `users` readers with `tasksPerUser` tasks each, and as many writers (who receive the creates), all through the API. */
export async function seed(port: number, secret: string, users: number, tasksPerUser: number): Promise<BenchData> {
  const base = `http://127.0.0.1:${port}`;
  const pad = (i: number) => String(i).padStart(4, '0');
  const person = (id: string) => ({ id, token: mintToken(secret, { sub: id, email: `${id}@bench.invalid` }) });
  const readers = Array.from({ length: users }, (_, i) => person(`bench-reader-${pad(i)}`));
  const writers: BenchWriter[] = Array.from({ length: users }, (_, i) => person(`bench-writer-${pad(i)}`));

  const started = Date.now();
  const total = users * tasksPerUser;
  const created = await pooled(total, 16, async (i) => {
    const user = readers[i % users]!;
    const n = Math.floor(i / users);
    const { status, json } = await call(base, 'POST', '/api/tasks', user.token, {
      title: `Task ${n + 1} of ${user.id}`,
      description: n % 3 === 0 ? null : `Seeded by the benchmark: task ${n + 1}, with a description of moderate length.`,
      completed: n % 4 === 0,
    });
    if (status !== 201) throw new Error(`seeding: POST /api/tasks answered ${status}: ${JSON.stringify(json)}`);
    return { user: user.id, id: (json as { id: string }).id };
  });
  // Writers are recorded as users (our auth records a user on first sight), so the ceiling's inserts satisfy the foreign key.
  await pooled(writers.length, 16, async (i) => {
    const { status } = await call(base, 'GET', '/api/tasks', writers[i]!.token);
    if (status !== 200) throw new Error(`seeding: GET /api/tasks for a writer answered ${status}`);
  });
  const byUser = new Map<string, string[]>();
  for (const c of created) byUser.set(c.user, [...(byUser.get(c.user) ?? []), c.id]);
  const seeded: BenchUser[] = readers.map((r) => ({ ...r, taskIds: byUser.get(r.id) ?? [] }));
  log(
    `seeded ${total} tasks for ${users} users (+${writers.length} writer users) through the API in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  return { users: seeded, writers };
}

/** Every server answers list and get for the same user with the same tasks, so they do the same work. */
export async function checkSameAnswers(servers: Iterable<Server>, data: BenchData, tasksPerUser: number): Promise<void> {
  const user = data.users[0]!;
  const headers = { authorization: `Bearer ${user.token}`, 'x-user': user.id };
  for (const server of servers) {
    if (server.kind === 'raw') continue;
    const base = `http://127.0.0.1:${server.port}`;
    const list = await fetch(`${base}/api/tasks`, { headers, signal: AbortSignal.timeout(5_000) });
    const tasks = (await list.json()) as { id: string }[];
    if (list.status !== 200 || !Array.isArray(tasks) || tasks.length !== tasksPerUser) {
      throw new Error(
        `${LABEL[server.kind]}: GET /api/tasks answered ${list.status} with ${Array.isArray(tasks) ? tasks.length : 'no'} tasks (expected ${tasksPerUser})`,
      );
    }
    const id = user.taskIds[0]!;
    const one = await fetch(`${base}/api/tasks/${id}`, { headers, signal: AbortSignal.timeout(5_000) });
    const task = (await one.json()) as { id?: string };
    if (one.status !== 200 || task.id !== id) throw new Error(`${LABEL[server.kind]}: GET /api/tasks/${id} answered ${one.status}`);
  }
}
