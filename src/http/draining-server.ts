// The HTTP server, with its limits set on purpose and a close() that does not cut idle keep-alive
// connections at once.
import http from 'node:http';
import { MAX_HEADER_SIZE, TIMEOUT_CHECK_INTERVAL_MS } from '../limits.js';

export interface HttpLimits {
  /** The whole request (headers and body) must arrive within this; slower clients get 408 and are cut off. */
  readonly requestTimeoutMs: number;
  /** The headers must arrive within this (slow-loris); at most requestTimeoutMs. */
  readonly headersTimeoutMs: number;
  /** An idle keep-alive connection is closed after this; keep it above a load balancer's idle timeout. */
  readonly keepAliveTimeoutMs: number;
}

/**
 * Since Node 19, server.close() also destroys every idle keep-alive connection at once. A client may
 * be writing its next request on one at that very moment, and would see a reset. This server's
 * close() only stops accepting connections; the drain plugin answers what still arrives on open
 * connections with `Connection: close` and closes the ones left idle after a grace period.
 */
export class DrainingServer extends http.Server {
  #closing = false;

  override close(callback?: (error?: Error) => void): this {
    this.#closing = true;
    try {
      super.close(callback);
    } finally {
      this.#closing = false;
    }
    return this;
  }

  override closeIdleConnections(): void {
    if (!this.#closing) super.closeIdleConnections();
  }
}

export function createHttpServer(limits: HttpLimits, handler: http.RequestListener): DrainingServer {
  const server = new DrainingServer(
    {
      requestTimeout: limits.requestTimeoutMs,
      headersTimeout: limits.headersTimeoutMs,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      maxHeaderSize: MAX_HEADER_SIZE,
      connectionsCheckingInterval: Math.min(TIMEOUT_CHECK_INTERVAL_MS, limits.headersTimeoutMs),
    },
    handler,
  );
  return server;
}
