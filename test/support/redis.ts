// The Redis the counter tests use: TEST_REDIS_URL, else the machine's 127.0.0.1:6379. It may be
// shared (other runs, other people), so every test uses a key prefix of its own and deletes it.
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { Redis } from 'ioredis';
import type { Test } from 'tap';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.js';

export const REDIS_URL = process.env.TEST_REDIS_URL || 'redis://127.0.0.1:6379';

/** Resolves to undefined when Redis answers PING, else to the reason (for a loud skip). */
export async function redisMissing(url = REDIS_URL): Promise<string | undefined> {
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 1_000,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  redis.on('error', () => {});
  try {
    await redis.connect();
    await redis.ping();
    return undefined;
  } catch (error) {
    return `no Redis answered at ${url} (${(error as Error).message}); set TEST_REDIS_URL or start Redis`;
  } finally {
    redis.disconnect();
  }
}

/** A key prefix unique to this run, and a function deleting every key under it. */
export function uniquePrefix(url = REDIS_URL): { prefix: string; cleanUp: () => Promise<void> } {
  const prefix = `todo-api-test:${randomBytes(6).toString('hex')}:`;
  return {
    prefix,
    cleanUp: async () => {
      const redis = new Redis(url, { maxRetriesPerRequest: 0 });
      try {
        const keys: string[] = [];
        for await (const batch of redis.scanStream({ match: `${prefix}*`, count: 1000 })) keys.push(...(batch as string[]));
        if (keys.length > 0) await redis.del(...keys);
      } finally {
        redis.disconnect();
      }
    },
  };
}

/** A loud skip line, for the test output and the CI log. */
export function skipBanner(reason: string): string {
  return `!!! SKIPPED (needs Redis): ${reason}`;
}

/** REDIS_URL through a TCP proxy the test can cut, stall and restore (test/support/tcp-proxy.ts), closed at teardown. */
export async function proxiedRedis(t: Test): Promise<{ proxy: TcpProxy; url: string }> {
  const target = new URL(REDIS_URL);
  const proxy = await startTcpProxy(target.hostname, Number(target.port || 6379));
  t.teardown(() => proxy.close());
  const url = new URL(REDIS_URL);
  url.hostname = '127.0.0.1';
  url.port = String(proxy.port);
  return { proxy, url: url.toString() };
}

/** A "Redis" that accepts connections and reads what it is sent but never answers, closed at teardown. */
export async function silentRedis(t: Test): Promise<string> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    socket.on('data', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(
    () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  );
  return `redis://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
}
