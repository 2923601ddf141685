// The task operations, named after their operationIds in openapi.yaml. Both route families
// (/api/tasks… and /api/{user_id}/tasks…) use these same functions; the auth hook has already
// checked that a path user_id is the caller.
import type { FastifyRequest } from 'fastify';
import type { Handler } from '../contract/handler-types.js';
import { ownerOf } from '../auth/owner.js';
import { taskNotFound } from '../errors.js';
import * as repo from './task.repository.js';
import { listTasks as listPage, nextPageQuery } from './task-list.repository.js';
import type { ListParams } from './list-params.js';
import { taskStats } from './stats.repository.js';

export const listTasks: Handler<'listTasks'> = async (request, reply) => {
  // Validation has filled in the contract's defaults (status, sort, order, limit, overdue).
  const params = request.query as ListParams;
  const { tasks, next } = await listPage(request.server.db, ownerOf(request), params);
  if (next !== undefined) reply.header('link', `<${pathOf(request)}?${nextPageQuery(params, next)}>; rel="next"`);
  return reply.code(200).send(tasks);
};

export const getTaskStats: Handler<'getTaskStats'> = async (request, reply) => {
  return reply.code(200).send(await taskStats(request.server.db, ownerOf(request)));
};

export const createTask: Handler<'createTask'> = async (request, reply) => {
  const task = await repo.createTask(request.server.db, ownerOf(request), request.body);
  return reply.header('location', `${pathOf(request)}/${task.id}`).code(201).send(task);
};

export const getTask: Handler<'getTask'> = async (request, reply) => {
  const task = await repo.findTask(request.server.db, ownerOf(request), request.params.task_id);
  if (!task) throw taskNotFound();
  return reply.code(200).send(task);
};

export const replaceTask: Handler<'replaceTask'> = async (request, reply) => {
  const task = await repo.changeTask(request.server.db, ownerOf(request), request.params.task_id, request.body);
  if (!task) throw taskNotFound();
  return reply.code(200).send(task);
};

export const updateTask: Handler<'updateTask'> = async (request, reply) => {
  const task = await repo.changeTask(request.server.db, ownerOf(request), request.params.task_id, request.body);
  if (!task) throw taskNotFound();
  return reply.code(200).send(task);
};

export const completeTask: Handler<'completeTask'> = async (request, reply) => {
  const { db } = request.server;
  const owner = ownerOf(request);
  const id = request.params.task_id;
  const task =
    request.body === undefined || request.body === null
      ? await repo.toggleTask(db, owner, id)
      : await repo.changeTask(db, owner, id, { completed: request.body.completed });
  if (!task) throw taskNotFound();
  return reply.code(200).send(task);
};

export const deleteTask: Handler<'deleteTask'> = async (request, reply) => {
  const deleted = await repo.deleteTask(request.server.db, ownerOf(request), request.params.task_id);
  if (!deleted) throw taskNotFound();
  return reply.code(204).send();
};

/** The request's path without query string or trailing slash, as the client addressed it. */
function pathOf(request: FastifyRequest): string {
  return request.url.split('?', 1)[0]!.replace(/\/+$/, '');
}
