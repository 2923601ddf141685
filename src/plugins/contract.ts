// Turns every operation in openapi.yaml into a real Fastify route: the spec's path and method,
// the generated validators for params/query/body, the spec's response schemas for serialization
// (nothing outside them is sent), authentication where the operation is secured, and the
// handler named by its operationId. A missing or unknown handler stops start-up.
// A method a path does not have is 405 with Allow (src/contract/allowed-methods.ts).
import fp from 'fastify-plugin';
import type { RouteHandlerMethod } from 'fastify';
import { routes } from '../../generated/routes.js';
import { validatorFor } from '../contract/validators.js';
import { shadowedMethods } from '../contract/allowed-methods.js';
import { methodNotAllowed } from '../errors.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    operationId?: string;
  }
}

export interface ContractOptions {
  handlers: Record<string, unknown>;
}

export default fp<ContractOptions>(
  async (app, { handlers }) => {
    const missing = routes.filter((r) => typeof handlers[r.operationId] !== 'function').map((r) => r.operationId);
    const unknown = Object.keys(handlers).filter((id) => !routes.some((r) => r.operationId === id));
    if (missing.length > 0 || unknown.length > 0) {
      throw new Error(`handlers do not match openapi.yaml: missing [${missing.join(', ')}], unknown [${unknown.join(', ')}]`);
    }
    for (const route of routes) {
      app.route({
        method: route.method,
        url: route.url,
        schema: route.schema,
        validatorCompiler: ({ httpPart }) => validatorFor(route, httpPart),
        ...(route.secured ? { onRequest: app.authenticate } : {}),
        config: { operationId: route.operationId },
        handler: handlers[route.operationId] as RouteHandlerMethod,
      });
    }
    // Methods a more specific path lacks would reach a less specific one (`PUT /api/tasks/stats`
    // would be `PUT /api/tasks/{task_id}`): they are that path's 405. Any other method on a known
    // path reaches the not-found handler, which answers 405 too (src/plugins/errors.ts).
    for (const { url, methods, allow } of shadowedMethods()) {
      app.route({
        method: methods,
        url,
        handler: async () => {
          throw methodNotAllowed(allow);
        },
      });
    }
  },
  { name: 'contract', dependencies: ['auth', 'errors'], decorators: { fastify: ['authenticate'] } },
);
