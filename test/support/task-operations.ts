// Shared setup of the task operation tests (test/tasks/operations-*.test.ts): every task
// operation × every status it declares that a test can produce, in both route families
// (/api/tasks… and /api/{user_id}/tasks…). Every request goes through call(), so each response
// is also checked against openapi.yaml (declared status, body schema, headers).
import type { Test } from 'tap';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import type { ErrorBody, Task } from './types.js';
import { build, call, type CallOptions } from '../helper.js';
import type { Family } from './families.js';

export type Method = CallOptions['method'];

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
export const ISO_UTC = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export interface OperationsApp {
  app: FastifyInstance;
  create(t: Test, family: Family, user: string, body?: Record<string, unknown>): Promise<Task>;
  fetchTask(user: string, family: Family, id: string): Promise<LightMyRequestResponse>;
}

/** The app of one test file, and the helpers that use it. */
export async function buildOperationsApp(t: Test): Promise<OperationsApp> {
  // These files send dozens of deliberately unauthenticated requests from one address; the failed-auth
  // rate limit (when configured) is not what they test, so it is off here (0 disables it).
  const app = await build(t, { env: { AUTH_RATE_LIMIT_MAX: '0' } });

  async function create(t: Test, family: Family, user: string, body: Record<string, unknown> = { title: 'A task' }): Promise<Task> {
    const res = await call(app, { method: 'POST', url: family.collection(user), as: user, body });
    t.equal(res.statusCode, 201, `create ${JSON.stringify(body).slice(0, 60)}`);
    return res.json<Task>();
  }

  async function fetchTask(user: string, family: Family, id: string): Promise<LightMyRequestResponse> {
    return call(app, { method: 'GET', url: `${family.collection(user)}/${id}`, as: user });
  }

  return { app, create, fetchTask };
}

/** Asserts a 422 validation_failed whose errors name the field at the location. */
export function assertInvalid(t: Test, res: LightMyRequestResponse, where: 'body' | 'path' | 'query', field: string, label: string): void {
  t.equal(res.statusCode, 422, `${label}: 422`);
  if (res.statusCode !== 422) return;
  const body = res.json<ErrorBody>();
  t.equal(body.error, 'validation_failed', `${label}: code`);
  t.ok(
    (body.errors ?? []).some((e) => e.in === where && e.field === field),
    `${label}: errors name ${where}.${field} (got ${JSON.stringify(body.errors)})`,
  );
  t.type(body.detail, 'string', `${label}: detail is a sentence`);
}

export function assertError(t: Test, res: LightMyRequestResponse, status: number, code: ErrorBody['error'], label: string): void {
  t.equal(res.statusCode, status, `${label}: ${status}`);
  t.equal(res.json<ErrorBody>().error, code, `${label}: ${code}`);
  t.equal(res.json<ErrorBody>().status, status, `${label}: status member`);
}

/** Every operation of the family, addressed at `taskId`, with a valid body where one is needed. */
export function operations(family: Family, user: string, taskId: string): { op: string; method: Method; url: string; body?: unknown }[] {
  const collection = family.collection(user);
  const item = `${collection}/${taskId}`;
  return [
    { op: 'list', method: 'GET', url: collection },
    { op: 'create', method: 'POST', url: collection, body: { title: 'x' } },
    { op: 'get', method: 'GET', url: item },
    { op: 'replace', method: 'PUT', url: item, body: { title: 'x' } },
    { op: 'update', method: 'PATCH', url: item, body: { title: 'x' } },
    { op: 'complete', method: 'PATCH', url: `${item}/complete` },
    { op: 'delete', method: 'DELETE', url: item },
  ];
}

/** The operations that take a body. */
export function bodyOperations(family: Family, user: string, taskId: string): { op: string; method: Method; url: string }[] {
  const collection = family.collection(user);
  return [
    { op: 'create', method: 'POST', url: collection },
    { op: 'replace', method: 'PUT', url: `${collection}/${taskId}` },
    { op: 'update', method: 'PATCH', url: `${collection}/${taskId}` },
    { op: 'complete', method: 'PATCH', url: `${collection}/${taskId}/complete` },
  ];
}
