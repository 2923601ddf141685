import { sql } from 'kysely';
import type { Handler } from '../contract/handler-types.js';
import { draining, serviceUnavailable } from '../errors.js';

/** Liveness: the process answers HTTP. Never touches the database. */
export const getHealth: Handler<'getHealth'> = async (_request, reply) => reply.code(200).send({ status: 'healthy' });

/** Readiness: not draining, and the database answers a query. The counter store is reported, never a reason for 503. */
export const getReady: Handler<'getReady'> = async (request, reply) => {
  if (request.server.draining) throw draining();
  try {
    await sql`select 1`.execute(request.server.db);
  } catch (error) {
    request.log.warn({ err: error }, 'readiness check failed: the database did not answer');
    throw serviceUnavailable();
  }
  return reply.code(200).send({ status: 'ready', counters: request.server.counterStore.status() });
};
