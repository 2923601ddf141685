// Tells "the database is not there right now" (answer 503, retry) from every other failure (500).

// SQLSTATE classes and codes that mean the server cannot serve us now.
const UNAVAILABLE_SQLSTATES = new Set([
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '53300', // too_many_connections
  '57014', // query_canceled (statement_timeout)
]);

// Network failures, and POOL_QUEUE_FULL: too many requests already wait for a pooled connection (src/db/bounded-pool.ts).
const UNAVAILABLE_CODES = new Set([
  'POOL_QUEUE_FULL',
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

const DRIVER_MESSAGES = [
  'timeout exceeded when trying to connect', // pg.Pool connectionTimeoutMillis
  'Connection terminated', // pg: server closed the socket
  'Query read timeout', // pg query_timeout
  'Client has encountered a connection error',
  'Client was closed and is not queryable',
  'PGlite is closed',
  'driver has already been destroyed', // Kysely after db.destroy(): shutting down
];

export function isDatabaseUnavailable(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const { code, message } = e as { code?: unknown; message?: unknown };
    if (typeof code === 'string' && (UNAVAILABLE_CODES.has(code) || UNAVAILABLE_SQLSTATES.has(code) || code.startsWith('08'))) return true;
    if (typeof message === 'string' && DRIVER_MESSAGES.some((m) => message.includes(m))) return true;
    if (e instanceof AggregateError && e.errors.some(isDatabaseUnavailable)) return true;
  }
  return false;
}
