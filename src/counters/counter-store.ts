// Where per-client counters (the failed-authentication limit, src/plugins/auth-rate-limit.ts) are
// kept: in this process's memory, or, with REDIS_URL, in Redis, shared by every process, so a limit
// holds across all of them.
//
// Redis is never a reason to refuse a request: a command that fails (Redis down, unreachable, or
// slower than COMMAND_TIMEOUT_MS) is skipped and the request is served as if not counted (fail
// open). The client does not queue commands while disconnected (enableOfflineQueue: false) and does
// not retry them, so no request waits on a dead Redis longer than the command timeout; it keeps
// reconnecting in the background, and counting resumes on the first command that succeeds. The
// change of state is logged once each way (not once per request) and shown on /ready's body.
// ioredis is loaded only when a Redis is configured (about 6.5 MiB of a process that has none).
import type { Redis } from 'ioredis';
import type { FastifyBaseLogger } from 'fastify';
import {
  REDIS_COMMAND_TIMEOUT_MS as COMMAND_TIMEOUT_MS,
  REDIS_CONNECT_TIMEOUT_MS as CONNECT_TIMEOUT_MS,
  REDIS_MAX_RECONNECT_DELAY_MS as MAX_RECONNECT_DELAY_MS,
  REDIS_PROBE_INTERVAL_MS as PROBE_INTERVAL_MS,
  REDIS_START_WAIT_MS as START_WAIT_MS,
} from '../limits.js';

export { START_WAIT_MS };

export interface CounterStoreStatus {
  readonly store: 'memory' | 'redis';
  readonly healthy: boolean;
}

export interface CounterStore {
  /** The ioredis client to hand to @fastify/rate-limit; undefined for the in-process store. */
  readonly redis: Redis | undefined;
  /** Key prefix for everything this app keeps in Redis (REDIS_KEY_PREFIX). */
  readonly keyPrefix: string;
  status(): CounterStoreStatus;
  /** A counter command failed: the request goes uncounted. */
  commandFailed(error: unknown): void;
  /** A counter command succeeded. */
  commandSucceeded(): void;
  close(): Promise<void>;
}

export function memoryCounterStore(): CounterStore {
  return {
    redis: undefined,
    keyPrefix: '',
    status: () => ({ store: 'memory', healthy: true }),
    commandFailed: () => {},
    commandSucceeded: () => {},
    close: async () => {},
  };
}

export async function redisCounterStore(url: string, keyPrefix: string, log: FastifyBaseLogger): Promise<CounterStore> {
  const { Redis } = await import('ioredis');
  const redis = new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: COMMAND_TIMEOUT_MS,
    connectTimeout: CONNECT_TIMEOUT_MS,
    retryStrategy: (attempt) => Math.min(attempt * 100, MAX_RECONNECT_DELAY_MS),
    // Never the URL in a log line: it may hold a password.
    connectionName: 'todo-api',
  });
  let failing = false;
  // While failing, a PING every PROBE_INTERVAL_MS tells when Redis answers again, so recovery shows
  // on /ready without waiting for a request to be counted (a connection that stayed open while
  // Redis hung gives no 'ready' event to learn it from).
  let probe: NodeJS.Timeout | undefined;
  const fail = (error: unknown) => {
    if (failing) return;
    failing = true;
    probe = setInterval(() => void redis.ping().then(succeed, () => {}), PROBE_INTERVAL_MS);
    probe.unref();
    log.warn(
      { event: 'counter_store_unavailable', err: error },
      'Redis does not answer: per-client counters are skipped (requests are served) until it does',
    );
  };
  const succeed = () => {
    if (!failing) return;
    failing = false;
    clearInterval(probe);
    log.info({ event: 'counter_store_available' }, 'Redis answers again: per-client counting resumed');
  };
  redis.on('error', fail);
  redis.on('ready', succeed);
  await firstConnection(redis, log);
  return {
    redis,
    keyPrefix,
    status: () => ({ store: 'redis', healthy: !failing && redis.status === 'ready' }),
    commandFailed: fail,
    commandSucceeded: succeed,
    close: async () => {
      clearInterval(probe);
      redis.removeAllListeners('error');
      redis.on('error', () => {});
      // disconnect() closes the socket at once; quit() would wait for a reply a silent Redis never sends.
      redis.disconnect();
    },
  };
}

/**
 * Start-up waits for the first connection, at most START_WAIT_MS: a process that served before
 * the client was ready would leave its first requests uncounted (the client queues nothing). Past
 * the wait the process starts anyway, uncounted until Redis answers. The wait's start and, when
 * Redis has not answered, its end are logged (counter_store_waiting, counter_store_start_without_redis).
 */
async function firstConnection(redis: Redis, log: FastifyBaseLogger): Promise<void> {
  if (redis.status === 'ready') return;
  await new Promise<void>((resolve) => {
    const connected = (): void => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      redis.off('ready', connected);
      log.warn(
        { event: 'counter_store_start_without_redis', waitedMs: START_WAIT_MS },
        'Redis did not answer within the start-up wait: the app starts, per-client counters are skipped until it answers',
      );
      resolve();
    }, START_WAIT_MS);
    redis.once('ready', connected);
    // Logged after the timer is set: a timer of START_WAIT_MS started from this line fires after the wait ends.
    log.info({ event: 'counter_store_waiting', maxWaitMs: START_WAIT_MS }, 'waiting for Redis before serving');
  });
}
