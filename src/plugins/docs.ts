// The contract itself (/openapi.yaml, /openapi.json) and rendered docs (/docs, Swagger UI), unauthenticated.
//
// Try it out must reach the server the page was loaded from, whatever host, port or path prefix
// (a proxy serving the app under /todo/) it was reached by. The contract's server is the relative
// URL `/`; the copy the docs page reads (/docs/json) says `..` instead, which Swagger UI resolves
// against that copy's own URL: http://host:port/todo/docs/json → http://host:port/todo/. Every URL
// the page uses is relative for the same reason, so /docs redirects to docs/ (relative) first.
//
// The UI bundle (about 1.5 MB) is compressed (gzip/brotli, docs routes only: API responses are
// small and their encoding is the client's business) and cacheable: @fastify/static's ETag and
// Last-Modified answer revalidations with 304, and Cache-Control lets browsers keep it an hour.
import fp from 'fastify-plugin';
import compress from '@fastify/compress';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { openapiDocument, openapiYaml } from '../../generated/document.js';
import { docsHelmet } from './security-headers.js';

export const DOCS_PREFIX = '/docs';

/** Static UI files: cached for an hour, then revalidated (ETag). The page and its spec: always revalidated. */
const STATIC_CACHE = 'public, max-age=3600';
const PAGE_CACHE = 'no-cache';

interface DocsDocument {
  info: { title: string; version: string };
  servers?: { url: string; description?: string }[];
}

/** The document the docs page reads: the contract, with its server relative to /docs/json. */
function docsDocument(document: DocsDocument): DocsDocument {
  return { ...document, servers: [{ url: '..', description: 'The server these docs were loaded from' }] };
}

/** /docs → docs/ (relative, so it keeps any path prefix a proxy added), keeping the query. */
async function redirectToTrailingSlash(request: FastifyRequest, reply: FastifyReply): Promise<void> {
  const [path, query] = request.url.split('?', 2);
  if (path === DOCS_PREFIX) await reply.redirect(`${DOCS_PREFIX.slice(1)}/${query === undefined ? '' : `?${query}`}`, 302);
}

export default fp(
  async (app) => {
    app.get('/openapi.yaml', { schema: { hide: true } }, async (_request, reply) =>
      reply.type('application/yaml; charset=utf-8').send(openapiYaml),
    );
    app.get('/openapi.json', { schema: { hide: true } }, async (_request, reply) => reply.send(openapiDocument));

    const document = docsDocument(openapiDocument as unknown as DocsDocument);
    await app.register(async (scope) => {
      await docsHelmet(scope);
      await scope.register(compress, { global: true, threshold: 1024 });
      scope.addHook('onSend', async (request, reply, payload) => {
        if (reply.statusCode < 300 || reply.statusCode === 304) {
          reply.header('cache-control', request.url.startsWith(`${DOCS_PREFIX}/static/`) ? STATIC_CACHE : PAGE_CACHE);
        }
        return payload;
      });
      await scope.register(swagger, { mode: 'static', specification: { document: document as never } });
      await scope.register(swaggerUi, {
        routePrefix: DOCS_PREFIX,
        theme: { title: `${document.info.title} ${document.info.version}` },
        uiConfig: { layout: 'BaseLayout', tryItOutEnabled: true, displayRequestDuration: true },
        uiHooks: { onRequest: redirectToTrailingSlash },
      });
    });
  },
  // After security-headers: its onRoute hook gives the docs routes their CSP as they are declared.
  { name: 'docs', dependencies: ['security-headers'] },
);
