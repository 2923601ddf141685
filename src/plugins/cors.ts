// CORS for the frontend origins in CORS_ORIGINS only (exact matches); none configured, none allowed.
import fp from 'fastify-plugin';
import cors from '@fastify/cors';

export interface CorsOptions {
  origins: readonly string[];
}

export default fp<CorsOptions>(
  async (app, { origins }) => {
    await app.register(cors, {
      origin: origins.length > 0 ? [...origins] : false,
      methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
      // Conditional requests and idempotency keys (docs/CONCURRENCY.md) need their headers both ways.
      allowedHeaders: ['Authorization', 'Content-Type', 'X-Request-Id', 'If-Match', 'If-None-Match', 'Idempotency-Key'],
      exposedHeaders: ['ETag', 'Location', 'Link', 'Retry-After', 'Idempotent-Replayed', 'WWW-Authenticate', 'X-Request-Id'],
      maxAge: 600,
    });
  },
  { name: 'cors' },
);
