// Spec and handlers match both ways, and every operation is a real route.
import t from 'tap';
import Fastify from 'fastify';
import fp from 'fastify-plugin';
import { routes } from '../../generated/routes.js';
import { openapiDocument } from '../../generated/document.js';
import { handlers } from '../../src/handlers.js';
import contract from '../../src/plugins/contract.js';
import { build } from '../helper.js';

const specOperationIds = Object.values(openapiDocument.paths as Record<string, Record<string, { operationId?: string }>>)
  .flatMap((item) => Object.values(item).map((op) => op.operationId))
  .filter((id): id is string => typeof id === 'string')
  .sort();

t.test('every operation in openapi.yaml has a handler, and every handler an operation', async (t) => {
  t.same(Object.keys(handlers).sort(), specOperationIds);
  t.same(routes.map((r) => r.operationId).sort(), specOperationIds);
});

t.test('every operation is registered as a Fastify route with its method and path', async (t) => {
  const app = await build(t);
  for (const route of routes) {
    t.ok(app.hasRoute({ method: route.method, url: route.url }), `${route.method} ${route.path} (${route.operationId})`);
  }
});

t.test('start-up fails loudly when a handler is missing or unknown', async (t) => {
  // The contract plugin alone, with stand-ins for the plugins it depends on.
  const appWith = (someHandlers: Record<string, unknown>) => {
    const app = Fastify({ logger: false });
    app.decorate('authenticate', async () => {});
    app.register(fp(async () => {}, { name: 'auth' }));
    app.register(fp(async () => {}, { name: 'errors' }));
    app.register(contract, { handlers: someHandlers });
    return app;
  };
  const withoutOne: Record<string, unknown> = { ...handlers };
  delete withoutOne.getTask;
  await t.rejects(async () => appWith(withoutOne).ready(), /missing \[getTask\]/);
  await t.rejects(async () => appWith({ ...handlers, archiveTask: async () => {} }).ready(), /unknown \[archiveTask\]/);
  await t.resolves(async () => appWith(handlers).ready());
});
