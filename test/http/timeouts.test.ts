// The HTTP server's limits are the configured ones, and a client that never finishes its headers
// (slow loris) is cut off.
import net from 'node:net';
import t from 'tap';
import { buildApp } from '../../src/app.js';
import { MAX_HEADER_SIZE } from '../../src/limits.js';
import { testConfig } from '../helper.js';
import { request } from '../support/http.js';

t.test('defaults: request 30 s, headers 10 s, keep-alive 72 s (above an ALB idle timeout of 60 s), headers 16 KiB', async (t) => {
  const app = await buildApp(testConfig(), { logger: false, database: { kind: 'pglite', dataDir: undefined } });
  t.teardown(() => app.close());
  await app.ready();
  t.equal(app.server.requestTimeout, 30_000);
  t.equal(app.server.headersTimeout, 10_000);
  t.equal(app.server.keepAliveTimeout, 72_000);
  t.equal((app.server as unknown as { maxHeaderSize: number }).maxHeaderSize, 16 * 1024);
  t.equal(MAX_HEADER_SIZE, 16 * 1024);
  t.equal(app.initialConfig.bodyLimit, 16384);
});

t.test('a slow-loris request is cut off after HEADERS_TIMEOUT_SECONDS; a huge header is a 431', async (t) => {
  const config = testConfig({ REQUEST_TIMEOUT_SECONDS: '5', HEADERS_TIMEOUT_SECONDS: '1', KEEP_ALIVE_TIMEOUT_SECONDS: '3' });
  const app = await buildApp(config, { logger: false, database: { kind: 'pglite', dataDir: undefined } });
  t.teardown(() => app.close());
  await app.listen({ host: '127.0.0.1', port: 0 });
  t.equal(app.server.requestTimeout, 5_000);
  t.equal(app.server.headersTimeout, 1_000);
  t.equal(app.server.keepAliveTimeout, 3_000);
  const { port } = app.server.address() as net.AddressInfo;

  // Headers started, never finished: one header line every 200 ms.
  const socket = net.connect(port, '127.0.0.1');
  let answer = '';
  socket.on('data', (d) => (answer += d));
  socket.on('error', () => {});
  const started = Date.now();
  socket.write('GET /health HTTP/1.1\r\nHost: x\r\n');
  const dribble = setInterval(() => socket.writable && socket.write(`X-Slow-${Date.now()}: y\r\n`), 200);
  await new Promise((resolve) => socket.once('close', resolve));
  clearInterval(dribble);
  const elapsed = Date.now() - started;
  t.match(answer, /^HTTP\/1\.1 408 /, 'answered 408 Request Timeout');
  t.match(
    answer,
    /\r\n\r\n\{"error":"request_timeout","detail":"The request did not arrive in time\.","status":408,/,
    "in the contract's error shape",
  );
  t.ok(
    elapsed >= 900 && elapsed < 3_000,
    `and closed after ${elapsed} ms: the headers timeout (1 s, checked every second), not the request timeout (5 s)`,
  );

  const huge = await request(`http://127.0.0.1:${port}`, '/health', { token: 'a'.repeat(20_000) });
  t.equal(huge.status, 431, 'headers over 16 KiB: 431');
  t.match(huge.json(), { error: 'headers_too_large', status: 431 });
});

t.test('the headers timeout may not exceed the request timeout', async (t) => {
  t.throws(() => testConfig({ REQUEST_TIMEOUT_SECONDS: '5', HEADERS_TIMEOUT_SECONDS: '6' }), {
    name: 'ConfigError',
    message: /HEADERS_TIMEOUT_SECONDS/,
  });
});
