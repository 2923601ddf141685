// The contract itself (/openapi.yaml, /openapi.json) and rendered docs (/docs), unauthenticated.
import fp from 'fastify-plugin';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { openapiDocument, openapiYaml } from '../../generated/document.js';

export default fp(
  async (app) => {
    app.get('/openapi.yaml', { schema: { hide: true } }, async (_request, reply) =>
      reply.type('application/yaml; charset=utf-8').send(openapiYaml),
    );
    app.get('/openapi.json', { schema: { hide: true } }, async (_request, reply) => reply.send(openapiDocument));
    await app.register(swagger, { mode: 'static', specification: { document: openapiDocument as never } });
    await app.register(swaggerUi, { routePrefix: '/docs' });
  },
  { name: 'docs' },
);
