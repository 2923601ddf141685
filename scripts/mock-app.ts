// The mock API (`npm run mock`): every operation of openapi.yaml answered with the contract's own
// example for its success response, by openapi-backend's mocking. No database, no token: a frontend
// can be built against the contract before the backend runs. Requests are still validated against
// the contract (a bad body gets the 422 the real API would send), and CORS lets any origin call it.
//
// One catch-all route handing requests to openapi-backend is fine for a mock; the real server gives
// every operation a Fastify route of its own (src/plugins/contract.ts).
import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import cors from '@fastify/cors';
import { OpenAPIBackend, type Context, type Document } from 'openapi-backend';
import addFormats from 'ajv-formats';
import { openapiDocument, openapiYaml } from '../generated/document.js';

interface Answer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

function apiError(status: number, error: string, title: string, detail: string, requestId: string, extra: object = {}): Answer {
  return { status, body: { error, detail, status, title, request_id: requestId, ...extra } };
}

export async function buildMockApp(options: { logger?: boolean } = {}): Promise<FastifyInstance> {
  const api = new OpenAPIBackend({
    definition: structuredClone(openapiDocument) as Document,
    quick: true,
    customizeAjv: (ajv) => {
      addFormats.default(ajv);
      return ajv;
    },
  });
  api.register({
    notImplemented: (c: Context): Answer => {
      const { status, mock } = c.api.mockResponseForOperation(c.operation.operationId!);
      const headers: Record<string, string> = {};
      if (status === 201 && mock && typeof mock.id === 'string') headers.location = `${c.request.path}/${mock.id}`;
      return { status, body: status === 204 ? undefined : mock, headers };
    },
    validationFail: (c: Context, requestId: string): Answer =>
      apiError(422, 'validation_failed', 'Unprocessable Entity', 'The request does not match the contract (mock server).', requestId, {
        errors: (c.validation.errors ?? []).map((e) => ({
          in: e.instancePath.startsWith('/requestBody') ? 'body' : e.instancePath.startsWith('/query') ? 'query' : 'path',
          field: e.instancePath.split('/').slice(2).join('.'),
          message: e.message ?? 'is invalid',
        })),
      }),
    notFound: (_c: Context, requestId: string): Answer => apiError(404, 'route_not_found', 'Not Found', 'No such route.', requestId),
    // The path exists with other methods: 405 and the methods it has, as the real API answers.
    methodNotAllowed: (c: Context, requestId: string): Answer => ({
      ...apiError(405, 'method_not_allowed', 'Method Not Allowed', 'This path does not answer this method.', requestId),
      headers: { allow: allowedMethods(c.request.path).join(', ') },
    }),
  });
  const allowedMethods = (path: string) =>
    ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'].filter((method) =>
      api.matchOperation({ method: method === 'HEAD' ? 'GET' : method, path, headers: {} }),
    );
  await api.init();

  const app = Fastify({ logger: options.logger ?? false, genReqId: () => randomUUID() });
  // Any origin: the mock holds no data and checks no token, and a local frontend may run on any port.
  await app.register(cors, {
    origin: true,
    methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowedHeaders: ['authorization', 'content-type', 'x-request-id'],
    exposedHeaders: ['location', 'link', 'x-request-id', 'retry-after', 'www-authenticate'],
    maxAge: 600,
  });
  app.get('/openapi.yaml', async (_request, reply) => reply.type('application/yaml; charset=utf-8').send(openapiYaml));
  app.get('/openapi.json', async () => openapiDocument);
  app.route({
    method: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
    url: '/*',
    handler: async (request, reply) => {
      const [path = '/', query = ''] = request.url.split('?', 2);
      const answer = (await api.handleRequest(
        { method: request.method, path, query, headers: request.headers as Record<string, string>, body: request.body },
        request.id,
      )) as Answer;
      reply.code(answer.status).headers({ 'x-request-id': request.id, ...answer.headers });
      return answer.body === undefined ? reply.send() : reply.send(answer.body);
    },
  });
  return app;
}
