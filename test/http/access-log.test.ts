// The access log (src/http/access-log.ts): at LOG_LEVEL=info, one line per request once it is answered,
// with its request id, method, url, status and response time; nothing per request at warn.
import t, { type Test } from 'tap';
import { buildApp } from '../../src/app.js';
import { freshDatabase, testConfig, tokenFor } from '../helper.js';

async function logsOf(t: Test, level: string, requests: { url: string; id: string; authorization?: string }[]) {
  const lines: string[] = [];
  const app = await buildApp(testConfig({ LOG_LEVEL: level }), {
    logger: { write: (line) => void lines.push(line) },
    database: await freshDatabase(t),
  });
  t.teardown(() => app.close());
  await app.ready();
  lines.length = 0;
  for (const { url, id, authorization } of requests) {
    await app.inject({ method: 'GET', url, headers: { 'x-request-id': id, ...(authorization ? { authorization } : {}) } });
  }
  return lines.map((l) => JSON.parse(l) as Record<string, unknown>);
}

t.test('info: one "request completed" line per request, with its id, request, status and time', async (t) => {
  const good = `Bearer ${tokenFor('alice')}`;
  const logs = await logsOf(t, 'info', [
    { url: '/health', id: 'req-health' },
    { url: '/api/tasks?limit=5', id: 'req-list', authorization: good },
    { url: '/api/tasks', id: 'req-anon' },
  ]);
  const access = logs.filter((l) => l.msg === 'request completed');
  t.match(access, [
    {
      level: 30,
      reqId: 'req-health',
      req: { method: 'GET', url: '/health', remoteAddress: String },
      res: { statusCode: 200 },
      responseTime: Number,
    },
    { level: 30, reqId: 'req-list', req: { method: 'GET', url: '/api/tasks?limit=5' }, res: { statusCode: 200 }, responseTime: Number },
    { level: 30, reqId: 'req-anon', req: { method: 'GET', url: '/api/tasks' }, res: { statusCode: 401 } },
  ]);
  t.equal(access.length, 3, 'exactly one line per request');
  t.equal(logs.filter((l) => l.msg === 'incoming request').length, 0, 'no second line when the request arrives');
  t.notMatch(JSON.stringify(logs), good.split('.')[2]!, 'no token in the access lines');
});

t.test('warn: no line per request', async (t) => {
  const logs = await logsOf(t, 'warn', [{ url: '/health', id: 'req-health' }]);
  t.same(logs, []);
});
