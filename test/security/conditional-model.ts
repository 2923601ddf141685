// The model-based isolation test for versions and idempotency keys (the companion of model-runner.ts):
// random sequences in which three users create, replace, toggle, set, read and delete tasks with
// If-Match / If-None-Match built from their own or another user's versions, and with
// Idempotency-Keys drawn from one small pool that all users share. An in-memory model predicts
// every status, every replay and every ETag; keys and versions are per user, so nothing one user
// does with a key or a version may change another user's answers, and no response may carry
// another user's task id or user id. test/security/conditional-model.test.ts drives it.
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import type { ErrorBody, Task } from '../support/types.js';
import { call } from '../helper.js';

const USERS = 3;
/** One pool for everyone: the same key in two users' hands must mean two unrelated keys. */
const KEYS = ['k-1', 'k-2', 'k-3'];

type Precondition = 'none' | 'current' | 'stale' | 'star' | 'theirs';
type Target = { kind: 'own' | 'other' | 'random'; pick: number };
export type CondOp =
  | { op: 'create'; key: number | null; title: number }
  | { op: 'put'; target: Target; ifMatch: Precondition; title: number }
  | { op: 'complete'; target: Target; ifMatch: Precondition; key: number | null; set: boolean | null }
  | { op: 'get'; target: Target; ifNoneMatch: 'none' | 'current' | 'stale' }
  | { op: 'delete'; target: Target; ifMatch: Precondition }
  // Re-sends, verbatim but as the actor, an earlier successful keyed request: the actor's own (a
  // retry: must replay) or another user's (same key, same path and body: must not see theirs).
  | { op: 'resend'; from: 'self' | 'other'; pick: number };
export interface CondCommand {
  actor: number;
  family: 'tasks' | 'user';
  op: CondOp;
}

const target = fc.record({ kind: fc.constantFrom<Target['kind']>('own', 'own', 'own', 'own', 'other', 'other', 'random'), pick: fc.nat() });
const precondition = fc.constantFrom<Precondition>('none', 'current', 'current', 'stale', 'star', 'theirs');
const key = fc.option(fc.nat({ max: KEYS.length - 1 }), { freq: 3 });
const cmdOp: fc.Arbitrary<CondOp> = fc.oneof(
  { arbitrary: fc.record({ op: fc.constant('create' as const), key, title: fc.nat({ max: 1 }) }), weight: 3 },
  { arbitrary: fc.record({ op: fc.constant('put' as const), target, ifMatch: precondition, title: fc.nat({ max: 3 }) }), weight: 2 },
  {
    arbitrary: fc.record({ op: fc.constant('complete' as const), target, ifMatch: precondition, key, set: fc.option(fc.boolean()) }),
    weight: 3,
  },
  {
    arbitrary: fc.record({
      op: fc.constant('get' as const),
      target,
      ifNoneMatch: fc.constantFrom('none' as const, 'current' as const, 'stale' as const),
    }),
    weight: 1,
  },
  { arbitrary: fc.record({ op: fc.constant('delete' as const), target, ifMatch: precondition }), weight: 1 },
  {
    arbitrary: fc.record({ op: fc.constant('resend' as const), from: fc.constantFrom('self' as const, 'other' as const), pick: fc.nat() }),
    weight: 3,
  },
);
/** A first task for each user (so there is something to edit and to attack), then 1..max commands. */
export const condSequence = (max: number): fc.Arbitrary<CondCommand[]> =>
  fc
    .array(fc.record({ actor: fc.nat({ max: USERS - 1 }), family: fc.constantFrom('tasks' as const, 'user' as const), op: cmdOp }), {
      minLength: 1,
      maxLength: max,
    })
    .map((rest) => [
      ...Array.from({ length: USERS }, (_, actor): CondCommand => ({ actor, family: 'tasks', op: { op: 'create', key: null, title: 0 } })),
      ...rest,
    ]);

interface StoredKey {
  request: string;
  status: number;
  body: string;
  location: string | undefined;
  etag: string | undefined;
}

const canonical = (value: unknown): string =>
  JSON.stringify(value, (_, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort()) : v,
  );

export class ConditionalModelRunner {
  readonly stats = { sequences: 0, commands: 0, byStatus: {} as Record<string, number>, replays: 0 };
  private readonly tag = randomBytes(3).toString('hex');

  constructor(private readonly app: FastifyInstance) {}

  async run(commands: CondCommand[]): Promise<void> {
    const seq = ++this.stats.sequences;
    const users = Array.from({ length: USERS }, (_, i) => `cm${i}-${this.tag}-${seq}`);
    const tasks = new Map<string, Task>(); // alive tasks, by id
    const keys = new Map<string, StoredKey>(); // `${user}\n${key}`
    const sent: { actor: string; method: 'POST' | 'PATCH'; url: string; body: unknown; key: string }[] = []; // successful keyed requests
    const log: string[] = [];
    const fail = (message: string): never => {
      throw new Error(`${message}\nsequence ${seq}:\n${log.join('\n')}`);
    };

    for (const [index, cmd] of commands.entries()) {
      const actor = users[cmd.actor]!;
      const collection = cmd.family === 'tasks' ? '/api/tasks' : `/api/${actor}/tasks`;
      const o = cmd.op;
      const mine = [...tasks.values()].filter((t) => t.user_id === actor);
      const theirs = [...tasks.values()].filter((t) => t.user_id !== actor);
      const pick = (t: Target) =>
        (t.kind === 'own' ? mine : t.kind === 'other' ? theirs : [])[t.pick % Math.max(1, t.kind === 'own' ? mine.length : theirs.length)];
      const earlier = o.op === 'resend' ? sent.filter((r) => (o.from === 'self') === (r.actor === actor)) : [];
      const again = o.op === 'resend' ? earlier[o.pick % Math.max(1, earlier.length)] : undefined;
      if (o.op === 'resend' && !again) continue;
      const againId = again?.url.match(/tasks\/([0-9a-f-]{36})/)?.[1];
      const aimed = o.op === 'resend' ? (againId ? tasks.get(againId) : undefined) : o.op === 'create' ? undefined : pick(o.target);
      const id = o.op === 'create' || o.op === 'resend' ? undefined : (aimed?.id ?? '00000000-0000-4000-8000-00000000000' + (index % 10));
      const own = aimed?.user_id === actor ? aimed : undefined;
      const tagFor = (p: Precondition): string | undefined =>
        p === 'none'
          ? undefined
          : p === 'star'
            ? '*'
            : p === 'current'
              ? `"${aimed?.version ?? 1}"`
              : p === 'stale'
                ? `"${(aimed?.version ?? 1) + 7}"`
                : `"${theirs[0]?.version ?? 1}"`;

      let method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
      let url: string;
      let body: unknown;
      const headers: Record<string, string> = {};
      let useKey: string | undefined;
      // Titles do not name the user: two users' requests can be byte-for-byte the same.
      if (o.op === 'resend') [method, url, body, useKey] = [again!.method, again!.url, again!.body, again!.key];
      else if (o.op === 'create')
        [method, url, body, useKey] = ['POST', collection, { title: `t${o.title}` }, o.key === null ? undefined : KEYS[o.key]];
      else if (o.op === 'put') [method, url, body] = ['PUT', `${collection}/${id}`, { title: `${actor} p${o.title}` }];
      else if (o.op === 'complete')
        [method, url, body, useKey] = [
          'PATCH',
          `${collection}/${id}/complete`,
          o.set === null ? undefined : { completed: o.set },
          o.key === null ? undefined : KEYS[o.key],
        ];
      else if (o.op === 'get') [method, url] = ['GET', `${collection}/${id}`];
      else [method, url] = ['DELETE', `${collection}/${id}`];
      if (useKey) headers['idempotency-key'] = useKey;
      const ifMatch = 'ifMatch' in o ? tagFor(o.ifMatch) : undefined;
      if (ifMatch) headers['if-match'] = ifMatch;
      if (o.op === 'get' && o.ifNoneMatch !== 'none') headers['if-none-match'] = tagFor(o.ifNoneMatch)!;

      // The model's answer.
      const request = `${method} ${url} ${canonical(body ?? null)}`;
      const stored = useKey ? keys.get(`${actor}\n${useKey}`) : undefined;
      const matches = (tag: string | undefined) => tag === undefined || tag === '*' || tag === `"${own!.version}"`;
      let expected: number;
      const foreignPath = url.startsWith('/api/') && !url.startsWith('/api/tasks') && !url.startsWith(`/api/${actor}/`);
      if (foreignPath) expected = 403;
      else if (stored) expected = stored.request === request ? stored.status : 422;
      else if (method === 'POST') expected = 201;
      else if (!own) expected = 404;
      else if (o.op === 'get') expected = headers['if-none-match'] === `"${own.version}"` ? 304 : 200;
      else if (o.op === 'resend')
        expected = 200; // another user's toggle of the actor's task: impossible, it would be theirs
      else expected = matches(ifMatch) ? (o.op === 'delete' ? 204 : 200) : 412;

      const res: LightMyRequestResponse = await call(this.app, {
        method,
        url,
        as: actor,
        headers,
        ...(body !== undefined ? { body } : {}),
      }).catch((e: Error) => fail(`#${index}: ${e.message}`));
      this.stats.commands++;
      this.stats.byStatus[res.statusCode] = (this.stats.byStatus[res.statusCode] ?? 0) + 1;
      log.push(
        `  #${index} ${actor.slice(0, 3)} ${method} ${url} ${JSON.stringify(headers)} ${JSON.stringify(body ?? null)} → ${res.statusCode} (model ${expected})`,
      );
      if (res.statusCode !== expected) fail(`#${index}: status ${res.statusCode}, model ${expected}: ${res.body.slice(0, 200)}`);

      // No other user's task id or user id, anywhere.
      const text = res.body + JSON.stringify(res.headers);
      for (const other of users) if (other !== actor && text.includes(other)) fail(`#${index}: the answer to ${actor} names ${other}`);
      for (const task of theirs)
        if (text.includes(task.id)) fail(`#${index}: the answer to ${actor} carries another user's task id ${task.id}`);

      if (foreignPath) continue;
      if (stored && expected !== 422) {
        this.stats.replays++;
        if (res.headers['idempotent-replayed'] !== 'true') fail(`#${index}: a replay without Idempotent-Replayed`);
        if (res.body !== stored.body || res.headers.location !== stored.location || res.headers.etag !== stored.etag)
          fail(`#${index}: the replay differs from the stored answer ${stored.body}`);
        continue;
      }
      if (res.headers['idempotent-replayed'] !== undefined) fail(`#${index}: Idempotent-Replayed on a fresh answer`);
      if (expected === 412) {
        if (res.json<ErrorBody>().error !== 'precondition_failed' || res.headers.etag !== `"${own!.version}"`)
          fail(`#${index}: 412 without the current ETag`);
      } else if (expected === 304) {
        if (res.headers.etag !== `"${own!.version}"`) fail(`#${index}: 304 with ETag ${String(res.headers.etag)}`);
      } else if (expected === 204) {
        tasks.delete(own!.id);
      } else if (expected === 200 || expected === 201) {
        const task = res.json<Task>();
        const version = expected === 201 ? 1 : o.op === 'get' ? own!.version : own!.version + 1;
        if (expected === 201 && (task.user_id !== actor || [...tasks.keys()].includes(task.id)))
          fail(`#${index}: not a new task of ${actor}`);
        if (task.version !== version || res.headers.etag !== `"${version}"`)
          fail(`#${index}: version ${task.version}, ETag ${String(res.headers.etag)}; model ${version}`);
        if (o.op === 'complete' || (o.op === 'resend' && method === 'PATCH')) {
          const set = o.op === 'complete' ? o.set : ((body as { completed?: boolean } | undefined)?.completed ?? null);
          const completed = set ?? !own!.completed;
          if (task.completed !== completed) fail(`#${index}: completed ${task.completed}, model ${completed}`);
        }
        tasks.set(task.id, task);
        if (useKey) {
          keys.set(`${actor}\n${useKey}`, {
            request,
            status: expected,
            body: res.body,
            location: res.headers.location as string | undefined,
            etag: res.headers.etag as string | undefined,
          });
          sent.push({ actor, method: method as 'POST' | 'PATCH', url, body, key: useKey });
        }
      }
    }

    // The database agrees: each user's keys are exactly the model's, each task at the model's version.
    const rows = await this.app.db.selectFrom('idempotency_keys').select(['user_id', 'key']).where('user_id', 'in', users).execute();
    const got = rows.map((r) => `${r.user_id}\n${r.key}`).sort();
    if (JSON.stringify(got) !== JSON.stringify([...keys.keys()].sort()))
      fail(`stored keys ${JSON.stringify(got)}, model ${JSON.stringify([...keys.keys()].sort())}`);
    const versions = await this.app.db.selectFrom('tasks').select(['id', 'version']).where('user_id', 'in', users).execute();
    for (const v of versions)
      if (tasks.get(v.id)?.version !== v.version)
        fail(`task ${v.id} at version ${v.version} in the database, model ${tasks.get(v.id)?.version}`);
    if (versions.length !== tasks.size) fail(`${versions.length} tasks in the database, model ${tasks.size}`);
  }
}
