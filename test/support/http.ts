// HTTP to a real process (a server started by a test, the cluster's balancer): one request on its
// own connection (or on the given keep-alive agent), its whole answer read, and the check of an
// answer against openapi.yaml that test/helper.ts's call() makes for injected requests. node:http
// rather than fetch: a test can pin the connection (agent) and the client's address (localAddress).
import http from 'node:http';
import type { LightMyRequestResponse } from 'fastify';
import { assertMatchesContract } from '../helper.js';

export interface Answer {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
  json(): any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export interface RequestOptions {
  method?: string;
  token?: string;
  body?: unknown;
  headers?: Record<string, string>;
  agent?: http.Agent | false;
  /** The client's own address (127.0.0.x), so the balancer forwards it as X-Forwarded-For. */
  localAddress?: string;
}

/** A client's own keep-alive connection (maxSockets 1), or a pool of `maxSockets` of them; destroy it when done. */
export function keepAliveAgent(maxSockets = 1): http.Agent {
  return new http.Agent({ keepAlive: true, maxSockets });
}

/** One HTTP request to `base` (http://host:port). Rejects on a connection error or after 30 s. */
export function request(base: string, path: string, options: RequestOptions = {}): Promise<Answer> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
  if (payload !== undefined) headers['content-type'] = 'application/json';
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${base}${path}`,
      {
        method: options.method ?? 'GET',
        headers,
        agent: options.agent ?? false,
        ...(options.localAddress ? { localAddress: options.localAddress } : {}),
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json: () => JSON.parse(body) }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.setTimeout(30_000, () => req.destroy(new Error('timeout')));
    req.end(payload);
  });
}

/** Checks an answer against openapi.yaml, as test/helper.ts's call() does for injected requests. */
export async function assertContract(method: string, path: string, answer: Answer): Promise<void> {
  const asInjected = {
    statusCode: answer.status,
    headers: answer.headers,
    body: answer.body,
    json: answer.json,
  } as unknown as LightMyRequestResponse;
  await assertMatchesContract(method, path, asInjected);
}
