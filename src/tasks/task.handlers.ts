// The task operations, named after their operationIds in openapi.yaml. Both route families
// (/api/tasks… and /api/{user_id}/tasks…) use these same functions; the auth hook has already
// checked that a path user_id is the caller. Conditional requests (ETag, If-Match,
// If-None-Match) are in preconditions.ts, Idempotency-Key in ../idempotency/idempotent.ts.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Handler } from '../contract/handler-types.js';
import { ownerOf } from '../auth/owner.js';
import { taskNotFound } from '../errors.js';
import { pathOf } from '../http/request-path.js';
import { sendIdempotent } from '../idempotency/idempotent.js';
import { etagOf, ifMatchVersions, noneMatchHits, notWritten, pageEtagOf } from './preconditions.js';
import * as repo from './task.repository.js';
import { listTasks as listPage, nextPageQuery } from './task-list.repository.js';
import type { ListParams } from './list-params.js';
import { taskStats } from './stats.repository.js';

export const listTasks: Handler<'listTasks'> = async (request, reply) => {
  // Validation has filled in the contract's defaults (status, sort, order, limit, overdue).
  const params = request.query as ListParams;
  const { tasks, next } = await listPage(request.server.db, ownerOf(request), params);
  if (next !== undefined) reply.header('link', `<${pathOf(request)}?${nextPageQuery(params, next)}>; rel="next"`);
  const etag = pageEtagOf(tasks, next !== undefined);
  reply.header('etag', etag);
  if (noneMatchHits(request, etag)) return reply.code(304).send();
  return reply.code(200).send(tasks);
};

export const getTaskStats: Handler<'getTaskStats'> = async (request, reply) => {
  return reply.code(200).send(await taskStats(request.server.db, ownerOf(request)));
};

export const createTask: Handler<'createTask'> = async (request, reply) =>
  sendIdempotent(request, reply, async (db) => {
    const task = await repo.createTask(db, ownerOf(request), request.body);
    return { status: 201, body: task, headers: { location: `${pathOf(request)}/${task.id}`, etag: etagOf(task) } };
  });

export const getTask: Handler<'getTask'> = async (request, reply) => {
  const task = await repo.findTask(request.server.db, ownerOf(request), request.params.task_id);
  if (!task) throw taskNotFound();
  reply.header('etag', etagOf(task));
  if (noneMatchHits(request, etagOf(task))) return reply.code(304).send();
  return reply.code(200).send(task);
};

export const replaceTask: Handler<'replaceTask'> = async (request, reply) =>
  reply.code(200).send(await writeChanges(request, reply, request.body));

export const updateTask: Handler<'updateTask'> = async (request, reply) =>
  reply.code(200).send(await writeChanges(request, reply, request.body));

/** PUT and PATCH: the named fields, only at the If-Match versions when given; the new ETag on the reply. */
async function writeChanges(request: FastifyRequest<{ Params: { task_id: string } }>, reply: FastifyReply, changes: repo.TaskChanges) {
  const { db } = request.server;
  const owner = ownerOf(request);
  const id = request.params.task_id;
  const versions = ifMatchVersions(request);
  const task = await repo.changeTask(db, owner, id, changes, versions);
  if (!task) throw await notWritten(db, owner, id, versions);
  reply.header('etag', etagOf(task));
  return task;
}

export const completeTask: Handler<'completeTask'> = async (request, reply) => {
  const owner = ownerOf(request);
  const id = request.params.task_id;
  const versions = ifMatchVersions(request);
  const body = request.body;
  return sendIdempotent(request, reply, async (db) => {
    const task =
      body === undefined || body === null
        ? await repo.toggleTask(db, owner, id, versions)
        : await repo.changeTask(db, owner, id, { completed: body.completed }, versions);
    if (!task) throw await notWritten(db, owner, id, versions);
    return { status: 200, body: task, headers: { etag: etagOf(task) } };
  });
};

export const deleteTask: Handler<'deleteTask'> = async (request, reply) => {
  const { db } = request.server;
  const owner = ownerOf(request);
  const id = request.params.task_id;
  const versions = ifMatchVersions(request);
  const deleted = await repo.deleteTask(db, owner, id, versions);
  if (!deleted) throw await notWritten(db, owner, id, versions);
  return reply.code(204).send();
};
