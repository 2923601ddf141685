// The model-based isolation test's expected state: an in-memory model of the tasks the API must
// have, and the checks of an answer against it (a list page, JSON equality, the list filters).
// model-runner.ts keeps one per sequence.
import type { LightMyRequestResponse } from 'fastify';
import type { ErrorBody, Task } from '../support/types.js';
import { exactOrder, passesFilters } from './model-fields.js';
import type { ListQuery, Op } from './model-commands.js';

/** The tasks the API must have, as last answered. */
export class Model {
  private readonly tasks = new Map<string, Task>();
  private readonly created: { id: string; owner: string }[] = [];
  readonly deleted: string[] = [];

  add(task: Task): void {
    this.tasks.set(task.id, task);
    this.created.push({ id: task.id, owner: task.user_id });
  }
  replace(task: Task): void {
    this.tasks.set(task.id, task);
  }
  remove(id: string): void {
    this.tasks.delete(id);
    this.deleted.push(id);
  }
  /** The task, if it exists and is the actor's. */
  alive(actor: string, id: string): Task | undefined {
    const task = this.tasks.get(id);
    return task?.user_id === actor ? task : undefined;
  }
  tasksOf(actor: string): Task[] {
    return [...this.tasks.values()].filter((t) => t.user_id === actor);
  }
  all(): Task[] {
    return [...this.tasks.values()];
  }
  createdByOthers(actor: string): string[] {
    return this.created.filter((c) => c.owner !== actor).map((c) => c.id);
  }
}

/** A page of the list: the right tasks, each exactly as the model has it, in order, with Link iff more follow. */
export function checkList(
  res: LightMyRequestResponse,
  mine: Task[],
  query: Extract<Op, { op: 'list' }>['query'],
  fail: (message: string) => never,
): void {
  const status = query.status ?? 'all';
  const matching = mine.filter((t) => passes(t, query));
  const limit = query.limit ?? 100;
  const offset = query.offset ?? 0;
  const page = res.json<Task[]>();
  const expectedLength = Math.max(0, Math.min(limit, matching.length - offset));
  if (page.length !== expectedLength)
    fail(
      `list returned ${page.length} tasks, the model expects ${expectedLength} (${matching.length} match, limit ${limit}, offset ${offset})`,
    );
  const byId = new Map(matching.map((t) => [t.id, t]));
  const seen = new Set<string>();
  for (const task of page) {
    if (seen.has(task.id)) fail(`list returned ${task.id} twice`);
    seen.add(task.id);
    const known = byId.get(task.id);
    if (!known) fail(`list returned ${task.id}, which the model does not have among the ${status} tasks`);
    if (!sameJson(task, known)) fail(`list returned ${JSON.stringify(task)}, the model has ${JSON.stringify(known)}`);
  }
  const sort = query.sort ?? 'created_at';
  const compare = exactOrder(sort, query.order ?? 'asc');
  if (compare) {
    const expectedIds = [...matching]
      .sort(compare)
      .slice(offset, offset + limit)
      .map((t) => t.id);
    if (
      !sameJson(
        page.map((t) => t.id),
        expectedIds,
      )
    )
      fail(
        `list is not in ${sort} ${query.order ?? 'asc'} order (ties by id): ${JSON.stringify(page.map((t) => t.id))}, the model expects ${JSON.stringify(expectedIds)}`,
      );
  } else if (sort === 'created_at' || sort === 'updated_at') {
    const desc = query.order === 'desc';
    for (let i = 1; i < page.length; i++) {
      const [a, b] = [page[i - 1]![sort], page[i]![sort]];
      if (desc ? a < b : a > b) fail(`list is not in ${sort} ${desc ? 'desc' : 'asc'} order: ${a} before ${b}`);
    }
  }
  const more = offset + limit < matching.length;
  const link = res.headers.link;
  if (more !== (link !== undefined))
    fail(
      `Link header ${link === undefined ? 'missing' : String(link)}, but ${matching.length} tasks match, limit ${limit}, offset ${offset}`,
    );
  if (link !== undefined && (!String(link).includes('cursor=') || String(link).includes('offset=')))
    fail(`Link header ${String(link)} does not carry a cursor (and only a cursor)`);
}

export function withoutRequestId(res: LightMyRequestResponse): string {
  const body: Partial<ErrorBody> = res.json<ErrorBody>();
  delete body.request_id;
  return JSON.stringify(body);
}

/** Deep equality for JSON values, key order ignored. */
export function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}
export function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([k, v]) => [k, canonical(v)]),
    );
  }
  return value;
}

/** Whether the task is in the list the query asks for (status and every v2 filter). */
export function passes(task: Task, query: ListQuery): boolean {
  const status = query.status ?? 'all';
  return (status === 'all' || task.completed === (status === 'completed')) && passesFilters(task, query);
}

/**
 * What a cursor walk returned (`seen`, every page) against the actor's tasks in the model: each
 * once, each as the model has it; from the actor's own start, exactly the matching tasks in the
 * query's order (from a foreign cursor, a subset: it starts somewhere in the actor's list).
 */
export function checkWalk(seen: Task[], mine: Task[], query: ListQuery, foreign: boolean, fail: (message: string) => never): void {
  const matching = mine.filter((t) => passes(t, query));
  const ids = seen.map((t) => t.id);
  if (new Set(ids).size !== ids.length) fail(`the walk returned a task twice: ${ids.join(', ')}`);
  const byId = new Map(matching.map((t) => [t.id, t]));
  for (const task of seen) {
    const known = byId.get(task.id);
    if (!known) fail(`the walk returned ${task.id}, which is not among the actor's matching tasks`);
    if (!sameJson(task, known)) fail(`the walk returned ${JSON.stringify(task)}, the model has ${JSON.stringify(known)}`);
  }
  if (foreign) return;
  if (seen.length !== matching.length) fail(`the walk returned ${seen.length} tasks, ${matching.length} match`);
  const compare = exactOrder(query.sort, query.order ?? 'asc');
  if (
    compare &&
    !sameJson(
      ids,
      [...matching].sort(compare).map((t) => t.id),
    )
  ) {
    fail(`the walk is not in ${query.sort} ${query.order ?? 'asc'} order`);
  }
}
