// The openapi-backend variant: Fastify with ONE catch-all route; openapi-backend routes the request
// by the contract (generated/document.ts), validates it with Ajv (the document is not validated:
// quick mode, as openapi-backend does not validate OpenAPI 3.1 definitions), runs the bearerAuth
// security handler (the same fast-jwt verifier as ours) and calls the same repository functions.
// Responses are plain JSON.stringify (openapi-backend has no response serializer).
// Env: PORT, DATABASE_URL, BETTER_AUTH_SECRET, DB_POOL_MAX (default 10, as ours).
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import { OpenAPIBackend, type Context, type Document } from 'openapi-backend';
import addFormats from 'ajv-formats';
import { sql } from 'kysely';
import { openapiDocument } from '../../generated/document.js';
import { connect } from '../../src/db/connect.js';
import { readBearerToken } from '../../src/auth/bearer.js';
import { createTokenVerifier, type VerifiedToken } from '../../src/auth/verifier.js';
import { createUserRecorder } from '../../src/users/user-recorder.js';
import * as repo from '../../src/tasks/task.repository.js';
import { listTasks } from '../../src/tasks/task-list.repository.js';
import type { ListParams } from '../../src/tasks/list-params.js';

const port = Number(process.env.PORT);
const url = process.env.DATABASE_URL;
const secret = process.env.BETTER_AUTH_SECRET;
if (!Number.isInteger(port) || port <= 0 || !url || !secret) {
  process.stderr.write('openapi-backend-server: PORT, DATABASE_URL and BETTER_AUTH_SECRET are required\n');
  process.exit(2);
}

const { db } = connect({ kind: 'postgres', url, poolMax: Number(process.env.DB_POOL_MAX ?? 10) });
const verifier = createTokenVerifier({ hs256: { secret }, clockToleranceSeconds: 5 });
const recordUser = createUserRecorder(db);

type Args = [FastifyRequest, FastifyReply];
const subjectOf = (c: Context) => (c.security.bearerAuth as VerifiedToken).subject;
const notFound = (reply: FastifyReply) =>
  reply.code(404).send({ error: 'not_found', detail: 'Task not found.', status: 404, title: 'Not Found' });

const LIST_DEFAULTS: ListParams = { status: 'all', sort: 'created_at', order: 'asc', limit: 100, overdue: false };

const api = new OpenAPIBackend({
  definition: openapiDocument as unknown as Document,
  quick: true,
  coerceTypes: true,
  // Formats (uuid, date-time) are checked like ours; openapi-backend's Ajv ignores unknown formats otherwise.
  customizeAjv: (ajv) => {
    addFormats.default(ajv);
    return ajv;
  },
  securityHandlers: {
    bearerAuth: async (c: Context) => {
      const bearer = readBearerToken(c.request.headers.authorization);
      if ('failure' in bearer) return false;
      try {
        const verified = await verifier(bearer.token);
        await recordUser(verified.subject, verified.email);
        return verified;
      } catch {
        return false;
      }
    },
  },
  handlers: {
    getReady: async (_c: Context, _req: FastifyRequest, reply: FastifyReply) => {
      await sql`select 1`.execute(db);
      return reply.code(200).send({ status: 'ready' });
    },
    listTasks: async (c: Context, ...[, reply]: Args) => {
      const query = { ...LIST_DEFAULTS, ...(c.request.query as Partial<ListParams>) };
      const { tasks } = await listTasks(db, subjectOf(c), query);
      return reply.code(200).send(tasks);
    },
    getTask: async (c: Context, ...[, reply]: Args) => {
      const task = await repo.findTask(db, subjectOf(c), String(c.request.params.task_id));
      return task ? reply.code(200).send(task) : notFound(reply);
    },
    createTask: async (c: Context, ...[, reply]: Args) => {
      const task = await repo.createTask(db, subjectOf(c), c.request.requestBody as repo.NewTask);
      return reply.code(201).header('location', `/api/tasks/${task.id}`).send(task);
    },
    updateTask: async (c: Context, ...[, reply]: Args) => {
      const task = await repo.changeTask(db, subjectOf(c), String(c.request.params.task_id), c.request.requestBody as repo.TaskChanges);
      return task ? reply.code(200).send(task) : notFound(reply);
    },
    completeTask: async (c: Context, ...[, reply]: Args) => {
      const task = await repo.toggleTask(db, subjectOf(c), String(c.request.params.task_id));
      return task ? reply.code(200).send(task) : notFound(reply);
    },
    unauthorizedHandler: async (_c: Context, ...[, reply]: Args) =>
      reply
        .code(401)
        .header('www-authenticate', 'Bearer realm="todo-api"')
        .send({ error: 'unauthorized', detail: 'A valid bearer token is required.', status: 401, title: 'Unauthorized' }),
    validationFail: async (c: Context, ...[, reply]: Args) =>
      reply.code(422).send({
        error: 'validation_failed',
        detail: 'The request is invalid.',
        status: 422,
        title: 'Unprocessable Entity',
        errors: c.validation.errors,
      }),
    notFound: async (_c: Context, ...[, reply]: Args) =>
      reply.code(404).send({ error: 'route_not_found', detail: 'No such route.', status: 404, title: 'Not Found' }),
    notImplemented: async (_c: Context, ...[, reply]: Args) => reply.code(501).send({ error: 'not_implemented', status: 501 }),
  },
});
api.init();

const app = Fastify({ logger: { level: 'warn' } });
app.route({
  method: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
  url: '/*',
  handler: async (request, reply) =>
    api.handleRequest(
      {
        method: request.method,
        path: request.url.split('?', 1)[0]!,
        query: request.query as Record<string, string | string[]>,
        headers: request.headers as Record<string, string | string[]>,
        body: request.body,
      },
      request,
      reply,
    ),
});

const shutdown = async (): Promise<void> => {
  await app.close();
  await db.destroy();
  process.exit(0);
};
process.once('SIGTERM', () => void shutdown());
process.once('SIGINT', () => void shutdown());

await app.listen({ host: '127.0.0.1', port });
