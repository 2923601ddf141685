import type { FastifyRequest } from 'fastify';
import type { Subject } from './subject.js';

/** The authenticated caller. Only secured routes have one; reaching this elsewhere is a bug (500). */
export function ownerOf(request: FastifyRequest): Subject {
  if (request.subject === undefined) throw new Error(`route ${request.routeOptions.url} is not authenticated`);
  return request.subject;
}
