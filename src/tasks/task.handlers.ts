// The task operations, named after their operationIds in openapi.yaml. Both route families
// (/api/tasks… and /api/{user_id}/tasks…) use these same functions; the auth hook has already
// checked that a path user_id is the caller. A handler only translates HTTP: it reads the path,
// query, body and headers (If-Match, If-None-Match, Idempotency-Key) into plain values, calls the
// service (task.service.ts), and sets the status, ETag, Location and Link of the answer. What the
// service throws becomes an HTTP error in one place (src/http/domain-errors.ts).
import type { FastifyReply } from 'fastify';
import type { Handler } from '../contract/handler-types.js';
import { ownerOf } from '../auth/owner.js';
import { pathOf } from '../http/request-path.js';
import { ifMatchVersions, noneMatchHits, pageEtag, versionEtag } from '../http/etag.js';
import { idempotencyKeyOf } from '../idempotency/request-key.js';
import type { Outcome } from '../idempotency/idempotent.js';
import * as tasks from './task.service.js';
import type { ListParams } from './list-params.js';
import { nextPageQuery } from './next-page.js';

type Answer = { status: number; headers: Record<string, string> };

export const listTasks: Handler<'listTasks'> = async (request, reply) => {
  // Validation has filled in the contract's defaults (status, sort, order, limit, overdue).
  const params = request.query as ListParams;
  const { tasks: page, next } = await tasks.listTasks(request.server.db, ownerOf(request), params);
  if (next !== undefined) reply.header('link', `<${pathOf(request)}?${nextPageQuery(params, next)}>; rel="next"`);
  const etag = pageEtag(page, next !== undefined);
  reply.header('etag', etag);
  if (noneMatchHits(request.headers['if-none-match'], etag)) return reply.code(304).send();
  return reply.code(200).send(page);
};

export const getTaskStats: Handler<'getTaskStats'> = async (request, reply) => {
  return reply.code(200).send(await tasks.taskStats(request.server.db, ownerOf(request)));
};

export const createTask: Handler<'createTask'> = async (request, reply) => {
  const path = pathOf(request);
  const answerOf = (task: tasks.Task): Answer => ({
    status: 201,
    headers: { location: `${path}/${task.id}`, etag: versionEtag(task.version) },
  });
  const outcome = await tasks.createTask(request.server.db, ownerOf(request), request.body, idempotencyKeyOf(request, answerOf));
  return send(reply, answerOf(outcome.value), outcome);
};

export const getTask: Handler<'getTask'> = async (request, reply) => {
  const task = await tasks.getTask(request.server.db, ownerOf(request), request.params.task_id);
  const etag = versionEtag(task.version);
  reply.header('etag', etag);
  if (noneMatchHits(request.headers['if-none-match'], etag)) return reply.code(304).send();
  return reply.code(200).send(task);
};

/** PUT and PATCH: the named fields, only at the If-Match versions when given; the new ETag on the reply. */
export const replaceTask: Handler<'replaceTask'> = async (request, reply) => {
  const versions = ifMatchVersions(request.headers['if-match']);
  const task = await tasks.changeTask(request.server.db, ownerOf(request), request.params.task_id, request.body, versions);
  reply.header('etag', versionEtag(task.version));
  return reply.code(200).send(task);
};

export const updateTask: Handler<'updateTask'> = async (request, reply) => {
  const versions = ifMatchVersions(request.headers['if-match']);
  const task = await tasks.changeTask(request.server.db, ownerOf(request), request.params.task_id, request.body, versions);
  reply.header('etag', versionEtag(task.version));
  return reply.code(200).send(task);
};

const completedAnswer = (task: tasks.Task): Answer => ({ status: 200, headers: { etag: versionEtag(task.version) } });

export const completeTask: Handler<'completeTask'> = async (request, reply) => {
  const versions = ifMatchVersions(request.headers['if-match']);
  const completed = request.body?.completed;
  const key = idempotencyKeyOf(request, completedAnswer);
  const outcome = await tasks.completeTask(request.server.db, ownerOf(request), request.params.task_id, completed, versions, key);
  return send(reply, completedAnswer(outcome.value), outcome);
};

export const deleteTask: Handler<'deleteTask'> = async (request, reply) => {
  const versions = ifMatchVersions(request.headers['if-match']);
  await tasks.deleteTask(request.server.db, ownerOf(request), request.params.task_id, versions);
  return reply.code(204).send();
};

/** A write's answer; a replayed one (the same request again under its Idempotency-Key) says so. */
function send(reply: FastifyReply, answer: Answer, outcome: Outcome<tasks.Task>): FastifyReply {
  reply.headers(answer.headers);
  if (outcome.replayed) reply.header('idempotent-replayed', 'true');
  return reply.code(answer.status).send(outcome.value);
}
