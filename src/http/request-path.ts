import type { FastifyRequest } from 'fastify';

/** The request's path without query string or trailing slash, as the client addressed it. */
export function pathOf(request: FastifyRequest): string {
  return request.url.split('?', 1)[0]!.replace(/\/+$/, '');
}
