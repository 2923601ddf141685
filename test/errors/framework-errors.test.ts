// Errors raised before any route runs, by the router (undecodable path, over-long parameter) or by
// Node's HTTP parser (conflicting framing, huge headers), have the contract's ApiError shape, a
// stable code, a declared status, and never echo the request.
import t from 'tap';
import { buildApp } from '../../src/app.js';
import { assertMatchesContract, build, call, freshDatabase, testConfig, tokenFor } from '../helper.js';
import { exchange, parseAnswer, portOf } from '../support/raw-http.js';

const app = await build(t);
await app.listen({ host: '127.0.0.1', port: 0 });
const port = portOf(app);
const auth = `Authorization: Bearer ${tokenFor('alice')}\r\n`;

t.test('an undecodable path is 400 bad_request, on an operation and off the contract', async (t) => {
  for (const url of ['/api/tasks/%ZZ', '/api/al%ZZice/tasks', '/api/tasks/%E0%A4%A/complete']) {
    const res = await call(app, { method: 'GET', url, as: 'alice' });
    t.equal(res.statusCode, 400, url);
    t.match(res.json(), {
      error: 'bad_request',
      detail: 'The request path is not valid percent-encoding.',
      status: 400,
      title: 'Bad Request',
    });
    t.notMatch(res.body, /%ZZ|%E0/, 'the path is not echoed');
    t.equal(res.json().request_id, res.headers['x-request-id']);
  }
});

t.test('a path parameter over the router limit is 414 uri_too_long, the path not echoed', async (t) => {
  for (const url of [`/api/tasks/${'a'.repeat(1025)}`, `/api/${'u'.repeat(2000)}/tasks`]) {
    const res = await call(app, { method: 'GET', url, as: 'alice' });
    t.equal(res.statusCode, 414, url.slice(0, 20));
    t.match(res.json(), { error: 'uri_too_long', status: 414, title: 'URI Too Long' });
    t.notMatch(res.body, /aaaa|uuuu/);
  }
  // Up to the router's limit the app's own rules answer (here: the path's user is not the caller).
  const long = await call(app, { method: 'GET', url: `/api/${'u'.repeat(1024)}/tasks`, as: 'alice' });
  t.equal(long.statusCode, 403);
});

t.test('an unknown route is 404 route_not_found without the path in the body', async (t) => {
  const res = await call(app, { method: 'GET', url: '/api/nothing/<script>alert(1)</script>' });
  t.equal(res.statusCode, 404);
  t.equal(res.json().error, 'route_not_found');
  t.notMatch(res.body, /script|nothing/);
});

t.test('Content-Length with Transfer-Encoding (request smuggling) is 400 bad_request on the socket, then closed', async (t) => {
  const { text, error } = await exchange(
    port,
    `POST /api/tasks HTTP/1.1\r\nHost: x\r\n${auth}Content-Type: application/json\r\nContent-Length: 14\r\nTransfer-Encoding: chunked\r\n\r\n` +
      `e\r\n{"title":"sm"}\r\n0\r\n\r\n`,
  );
  t.equal(error, undefined, 'no reset: the answer can be read');
  const res = parseAnswer(text);
  t.equal(res.statusCode, 400);
  t.equal(res.headers.connection, 'close');
  await assertMatchesContract('POST', '/api/tasks', res);
  t.match(res.json(), { error: 'bad_request', detail: 'The request is not valid HTTP/1.1.', status: 400, title: 'Bad Request' });
  t.equal((res.json() as { request_id: string }).request_id, res.headers['x-request-id']);
  t.equal((await call(app, { method: 'GET', url: '/api/tasks', as: 'alice' })).json().length, 0, 'nothing was created');
});

t.test('a request line HTTP cannot parse is 400 bad_request, with nothing of it echoed', async (t) => {
  const res = parseAnswer((await exchange(port, 'GET /health HTTP/1.1 <script>\r\nHost: x\r\n\r\n')).text);
  t.equal(res.statusCode, 400);
  await assertMatchesContract('GET', '/health', res);
  t.notMatch(res.body, /script/);
});

t.test('headers over 16 KiB are 431 headers_too_large in the error shape; the token is not echoed', async (t) => {
  const token = `secret-${'a'.repeat(20_000)}`;
  const { text, error } = await exchange(port, `GET /api/tasks HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\n\r\n`);
  t.equal(error, undefined);
  const res = parseAnswer(text);
  t.equal(res.statusCode, 431);
  await assertMatchesContract('GET', '/api/tasks', res);
  t.match(res.json(), { error: 'headers_too_large', status: 431, title: 'Request Header Fields Too Large' });
  t.notMatch(text, /secret/);
});

t.test('a refused request is logged with the parser reason and its request id, never its bytes', async (t) => {
  const lines: string[] = [];
  const logged = await buildApp(testConfig({ LOG_LEVEL: 'info' }), {
    logger: { write: (line) => void lines.push(line) },
    database: await freshDatabase(t),
  });
  t.teardown(() => logged.close());
  await logged.listen({ host: '127.0.0.1', port: 0 });
  const token = tokenFor('alice');
  const answers = [
    await exchange(
      portOf(logged),
      `GET /api/tasks HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nX-Pad: ${'p'.repeat(20_000)}\r\n\r\n`,
    ),
    await exchange(
      portOf(logged),
      `POST /api/tasks HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n{}`,
    ),
  ].map(({ text }) => parseAnswer(text));
  const events = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.event === 'client_error');
  t.match(events, [
    { reason: 'HPE_HEADER_OVERFLOW', status: 431, reqId: answers[0]!.headers['x-request-id'] },
    { reason: /^HPE_/, status: 400, reqId: answers[1]!.headers['x-request-id'] },
  ]);
  t.notMatch(lines.join(''), token.split('.')[1]!, 'no token in the logs');
});
