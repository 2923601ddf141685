// The model-based isolation test's runner: sends each command (model-commands.ts) through call(),
// so every response is also checked against openapi.yaml, and compares it with the model
// (model-state.ts). test/security/model.test.ts drives it. Each sequence gets fresh users, and every
// title a user writes starts with that user's random marker: see model-commands.ts.
import { randomBytes } from 'node:crypto';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import type { ErrorBody, Task } from '../support/types.js';
import { call } from '../helper.js';
import { USER_NAMES, USERS, type Command, type ListQuery, type Op, type Target, type WritableFields } from './model-commands.js';
import { afterWrite, expectedStats, listQueryString } from './model-fields.js';
import { checkList, checkWalk, Model, sameJson, withoutRequestId } from './model-state.js';

export interface Stats {
  sequences: number;
  commands: number;
  /** HTTP requests sent (commands plus the canonical-404 probe). */
  requests: number;
  byStatus: Record<string, number>;
  byTarget: Record<string, number>;
}

const UUID_RE = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;
const MARKER_RE = /\[\[m:[0-9a-f]{12}\]\]/g;
const STRANGERS_KEPT = 2000;

/** Adds `n` to `counts[key]`. */
function tally(counts: Record<string | number, number>, key: string | number, n = 1): void {
  counts[key] = (counts[key] ?? 0) + n;
}

export class ModelRunner {
  readonly stats: Stats = { sequences: 0, commands: 0, requests: 0, byStatus: {}, byTarget: {} };
  private readonly tag = randomBytes(3).toString('hex');
  /** Every task id ever created in this process, and its owner. */
  private readonly idOwner = new Map<string, string>();
  /** Every marker ever handed out, and its user. */
  private readonly markerOwner = new Map<string, string>();
  /** Ids created by the users of earlier sequences, never deleted (a ring of the latest). */
  private readonly strangers: string[] = [];
  private notFoundBody = '';

  constructor(private readonly app: FastifyInstance) {}

  /** Learns the body of a 404 for an id that never existed: every 404 must be exactly this. */
  async init(): Promise<void> {
    const res = await call(this.app, { method: 'GET', url: '/api/tasks/00000000-0000-4000-8000-000000000000', as: `probe-${this.tag}` });
    this.stats.requests++;
    if (res.statusCode !== 404) throw new Error(`probe: expected 404, got ${res.statusCode}`);
    this.notFoundBody = withoutRequestId(res);
  }

  async run(commands: Command[]): Promise<void> {
    const seq = ++this.stats.sequences;
    const users = USER_NAMES.map((name) => `${name}-${this.tag}-${seq}`);
    const markers = users.map(() => `[[m:${randomBytes(6).toString('hex')}]]`);
    users.forEach((user, i) => this.markerOwner.set(markers[i]!, user));
    const model = new Model();
    const log: string[] = [];
    const fail = (message: string): never => {
      throw new Error(`${message}\nsequence ${seq}, users ${JSON.stringify(users)}:\n${log.join('\n')}`);
    };

    for (const [index, cmd] of commands.entries()) {
      const actor = users[cmd.actor]!;
      const pathUser = cmd.family === 'user' && cmd.foreignPath !== null ? users[(cmd.actor + 1 + cmd.foreignPath) % USERS]! : actor;
      const collection = cmd.family === 'tasks' ? '/api/tasks' : `/api/${encodeURIComponent(pathUser)}/tasks`;
      const forbidden = pathUser !== actor;
      const title = (t: string) => `${markers[cmd.actor]} ${t}`;
      const o = cmd.op;

      // The request.
      let method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
      let url: string;
      let body: Record<string, unknown> | undefined;
      let id: string | undefined;
      if (o.op === 'walk') {
        if (!forbidden) {
          await this.walk(o, actor, users, collection, model, log, (message) => fail(`#${index}: ${message}`));
          continue;
        }
        method = 'GET';
        url = collection;
      } else if (o.op === 'stats') {
        method = 'GET';
        url = `${collection}/stats`;
      } else if (o.op === 'list') {
        method = 'GET';
        const qs = listQueryString(o.query);
        url = qs ? `${collection}?${qs}` : collection;
      } else if (o.op === 'create') {
        method = 'POST';
        url = collection;
        body = { ...o.body, title: title(o.body.title) };
      } else {
        id = this.resolve(o.target, actor, model);
        tally(this.stats.byTarget, o.target.kind);
        url = `${collection}/${id}`;
        if (o.op === 'get') method = 'GET';
        else if (o.op === 'delete') method = 'DELETE';
        else if (o.op === 'put') {
          method = 'PUT';
          body = { ...o.body, title: title(o.body.title) };
        } else if (o.op === 'patch') {
          method = 'PATCH';
          body = { ...o.body, ...(o.body.title !== undefined ? { title: title(o.body.title) } : {}) };
        } else {
          method = 'PATCH';
          url += '/complete';
          if (o.op === 'complete') body = { completed: o.completed };
        }
      }
      const shortActor = USER_NAMES[cmd.actor];
      const line = `  #${index} as ${shortActor}: ${method} ${url}${body === undefined ? '' : ` ${JSON.stringify(body)}`}`;

      // What the model says.
      const current = id === undefined ? undefined : model.alive(actor, id);
      let expectedStatus: number;
      let expectedTask: Omit<Task, 'id' | 'created_at' | 'updated_at' | 'completed_at'> | undefined;
      if (forbidden) expectedStatus = 403;
      else if (o.op === 'list' || o.op === 'stats' || o.op === 'walk') expectedStatus = 200;
      else if (o.op === 'create') {
        expectedStatus = 201;
        expectedTask = {
          user_id: actor,
          title: body!.title as string,
          description: o.body.description ?? null,
          completed: o.body.completed ?? false,
          ...afterWrite(undefined, o.body),
          version: 1,
        };
      } else if (!current) expectedStatus = 404;
      else if (o.op === 'delete') expectedStatus = 204;
      else {
        expectedStatus = 200;
        const changes: WritableFields =
          o.op === 'put' || o.op === 'patch'
            ? (body as WritableFields)
            : o.op === 'toggle'
              ? { completed: !current.completed }
              : o.op === 'complete'
                ? { completed: o.completed }
                : {};
        expectedTask = {
          user_id: actor,
          title: changes.title ?? current.title,
          description: changes.description !== undefined ? changes.description : current.description,
          completed: changes.completed ?? current.completed,
          ...afterWrite(current, changes),
          // Every write moves the version by one; a read or an empty PATCH does not.
          version: o.op === 'get' || (o.op === 'patch' && Object.keys(o.body).length === 0) ? current.version : current.version + 1,
        };
      }

      // The API.
      let res: LightMyRequestResponse;
      try {
        res = await call(this.app, { method, url, as: actor, ...(body !== undefined ? { body } : {}) });
      } catch (error) {
        log.push(`${line} → (contract violation)`);
        return fail(`#${index}: ${(error as Error).message}`);
      }
      this.stats.commands++;
      this.stats.requests++;
      tally(this.stats.byStatus, res.statusCode);
      log.push(`${line} → ${res.statusCode}${res.statusCode === expectedStatus ? '' : ` (model: ${expectedStatus})`}`);

      // Compare.
      if (res.statusCode !== expectedStatus)
        fail(`#${index}: status ${res.statusCode}, the model expects ${expectedStatus}; body ${res.body.slice(0, 300)}`);
      this.assertNoForeignData(actor, users, res, (message) => fail(`#${index}: ${message}`));
      if (expectedStatus === 403 && res.json<ErrorBody>().error !== 'forbidden')
        fail(`#${index}: 403 without error "forbidden": ${res.body}`);
      if (expectedStatus === 404 && withoutRequestId(res) !== this.notFoundBody) {
        fail(`#${index}: this 404 differs from the 404 of a task that never existed:\n    ${res.body}\n    ${this.notFoundBody}`);
      }
      if (expectedStatus === 204) {
        model.remove(id!);
      } else if (expectedStatus === 200 && o.op === 'stats') {
        const expected = expectedStats(model.tasksOf(actor));
        if (!sameJson(res.json(), expected)) fail(`#${index}: stats ${res.body}, the model expects ${JSON.stringify(expected)}`);
      } else if (expectedStatus === 200 && o.op === 'list') {
        this.rememberCursor(actor, o.query, res);
        checkList(res, model.tasksOf(actor), o.query, (message) => fail(`#${index}: ${message}`));
      } else if (expectedStatus === 200 || expectedStatus === 201) {
        const task = res.json<Task>();
        const { id: gotId, created_at: createdAt, updated_at: updatedAt, completed_at: completedAt, ...fields } = task;
        if (!sameJson(fields, expectedTask))
          fail(`#${index}: got ${JSON.stringify(fields)}, the model expects ${JSON.stringify(expectedTask)}`);
        if (expectedStatus === 201) {
          if (createdAt !== updatedAt) fail(`#${index}: a new task has created_at ${createdAt} ≠ updated_at ${updatedAt}`);
          const location = String(res.headers.location);
          if (location !== `${collection}/${gotId}`) fail(`#${index}: Location ${location}, expected ${collection}/${gotId}`);
          if (this.idOwner.has(gotId)) fail(`#${index}: the new id ${gotId} was already handed out`);
          this.idOwner.set(gotId, actor);
          model.add(task);
        } else {
          if (gotId !== id) fail(`#${index}: answered task ${gotId} for ${id}`);
          if ((completedAt === null) === task.completed) fail(`#${index}: completed ${task.completed} with completed_at ${completedAt}`);
          if (current!.completed && task.completed && completedAt !== current!.completed_at)
            fail(`#${index}: completed_at moved from ${current!.completed_at} to ${completedAt} on a task that stayed completed`);
          if (createdAt !== current!.created_at) fail(`#${index}: created_at moved from ${current!.created_at} to ${createdAt}`);
          const unchanged = o.op === 'get' || (o.op === 'patch' && Object.keys(o.body).length === 0);
          if (unchanged ? updatedAt !== current!.updated_at : updatedAt < current!.updated_at) {
            fail(`#${index}: updated_at went from ${current!.updated_at} to ${updatedAt} on ${o.op}`);
          }
          model.replace(task);
        }
      }
    }

    // The database, read directly: exactly the model's tasks, field for field, for these users.
    const rows = await this.app.db.selectFrom('tasks').selectAll().where('user_id', 'in', users).orderBy('id').execute();
    const stored = rows.map((r) => ({
      ...r,
      due_at: r.due_at && r.due_at.toISOString(),
      completed_at: r.completed_at && r.completed_at.toISOString(),
      created_at: r.created_at.toISOString(),
      updated_at: r.updated_at.toISOString(),
    }));
    const expected = model.all().sort((a, b) => (a.id < b.id ? -1 : 1));
    if (!sameJson(stored, expected)) {
      fail(`at the end the tasks table holds\n    ${JSON.stringify(stored)}\n  but the model has\n    ${JSON.stringify(expected)}`);
    }
    for (const task of model.all()) {
      this.strangers.push(task.id);
      if (this.strangers.length > STRANGERS_KEPT) this.strangers.shift();
    }
  }

  /** The last cursor each user was given, with the query it belongs to. */
  private readonly lastCursor = new Map<string, { query: ListQuery; cursor: string }>();

  /** Keeps the page's next cursor as the actor's last one; returns the next page's link, if any. */
  private rememberCursor(actor: string, query: ListQuery, res: LightMyRequestResponse): string | undefined {
    const link = /^<([^>]+)>; rel="next"$/.exec(String(res.headers.link ?? ''))?.[1];
    const cursor = link && new URL(link, 'http://x').searchParams.get('cursor');
    if (cursor) this.lastCursor.set(actor, { query: { ...query, offset: undefined }, cursor });
    return link;
  }

  /**
   * Walks every page by cursor: the walk returns exactly the model's matching tasks, each once, in
   * order. Foreign: starts from the cursor another user was last given (with that user's query):
   * the answer is the actor's own tasks only, a subset of what the query matches.
   */
  private async walk(
    o: Extract<Op, { op: 'walk' }>,
    actor: string,
    users: string[],
    collection: string,
    model: Model,
    log: string[],
    fail: (message: string) => never,
  ): Promise<void> {
    // Another user's cursor: of this sequence if one has been given one, else of any earlier sequence.
    const others = [...this.lastCursor].filter(([user]) => user !== actor).map(([, c]) => c);
    const foreign = o.foreign
      ? (users.map((u) => (u === actor ? undefined : this.lastCursor.get(u))).find((c) => c !== undefined) ?? others.at(-1))
      : undefined;
    const query: ListQuery = foreign ? foreign.query : o.query;
    const qs = listQueryString(query);
    let next: string | undefined = foreign ? `${collection}?${qs}&cursor=${encodeURIComponent(foreign.cursor)}` : `${collection}?${qs}`;
    const seen: Task[] = [];
    for (let page = 0; next !== undefined; page++) {
      if (page > 100) fail('the cursor walk does not end');
      const res = await call(this.app, { method: 'GET', url: next, as: actor });
      this.stats.requests++;
      tally(this.stats.byStatus, res.statusCode);
      log.push(`  walk${foreign ? ' (foreign cursor)' : ''} as ${actor}: GET ${next} → ${res.statusCode}`);
      if (res.statusCode !== 200) fail(`walk page ${page}: status ${res.statusCode} ${res.body.slice(0, 300)}`);
      this.assertNoForeignData(actor, users, res, fail);
      seen.push(...res.json<Task[]>());
      next = this.rememberCursor(actor, query, res);
    }
    this.stats.commands++;
    tally(this.stats.byTarget, foreign ? 'walk from a foreign cursor' : 'walk');
    tally(this.stats.byTarget, 'walk pages', seen.length);
    checkWalk(seen, model.tasksOf(actor), query, foreign !== undefined, fail);
  }

  private resolve(target: Target, actor: string, model: Model): string {
    const pool =
      target.kind === 'own'
        ? model.tasksOf(actor).map((t) => t.id)
        : target.kind === 'other'
          ? model.createdByOthers(actor)
          : target.kind === 'stranger'
            ? this.strangers
            : target.kind === 'deleted'
              ? model.deleted
              : [];
    if (pool.length > 0) return pool[target.pick % pool.length]!;
    if (target.kind !== 'random') tally(this.stats.byTarget, `${target.kind}, none: random`);
    return target.uuid;
  }

  /** No task id, marker or user id of anyone but the actor, anywhere in the body or the headers. */
  private assertNoForeignData(actor: string, users: string[], res: LightMyRequestResponse, fail: (message: string) => never): void {
    const headers = Object.entries(res.headers).map(([name, value]) => `${name}: ${String(value)}`);
    const text = [res.body, ...headers].join('\n');
    for (const [id] of text.matchAll(UUID_RE)) {
      const owner = this.idOwner.get(id.toLowerCase());
      if (owner !== undefined && owner !== actor) fail(`the response to ${actor} carries ${owner}'s task id ${id}`);
    }
    for (const [marker] of text.matchAll(MARKER_RE)) {
      const owner = this.markerOwner.get(marker);
      if (owner !== actor) fail(`the response to ${actor} carries ${owner ?? 'an unknown user'}'s title marker ${marker}`);
    }
    for (const other of users) {
      if (other === actor) continue;
      for (const form of [other, JSON.stringify(other).slice(1, -1), encodeURIComponent(other)]) {
        if (text.includes(form)) fail(`the response to ${actor} contains the user id ${other}`);
      }
    }
    // Tasks (a list or one), not the stats, whose counts the caller checks against the model.
    if ((res.statusCode === 200 || res.statusCode === 201) && !('by_priority' in res.json<object>())) {
      const body = res.json<Task | Task[]>();
      for (const task of Array.isArray(body) ? body : [body]) {
        if (task.user_id !== actor) fail(`the response to ${actor} holds a task of ${task.user_id}`);
      }
    }
  }
}
