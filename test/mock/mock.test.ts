// npm run mock: every operation answers, without a token or a database, with the contract's example,
// and each answer is one the contract declares (checked by test/helper.ts like the real API's).
import t from 'tap';
import { buildMockApp } from '../../scripts/mock-app.js';
import { assertMatchesContract } from '../helper.js';
import { routes } from '../../generated/routes.js';
import { openapiDocument } from '../../generated/document.js';

const TASK_ID = '0b5d6e0c-8a3f-4f7e-9a43-6d5b2f1c9e10';
const BODIES: Record<string, unknown> = {
  createTask: { title: 'Mocked' },
  createUserTask: { title: 'Mocked' },
  replaceTask: { title: 'Mocked' },
  replaceUserTask: { title: 'Mocked' },
  updateTask: { completed: true },
  updateUserTask: { completed: true },
};

type Json = Record<string, unknown>;
const at = (node: unknown, key: string): Json => (node as Json)[key] as Json;

/** The example of the operation's first 2xx response in openapi.yaml, with $refs followed (by hand, not by openapi-backend). */
function contractExample(operationId: string): { status: number; example: unknown } {
  const deref = (node: Json): Json =>
    typeof node.$ref === 'string' ? deref(node.$ref.slice(2).split('/').reduce<unknown>(at, openapiDocument) as Json) : node;
  for (const methods of Object.values(at(openapiDocument, 'paths'))) {
    for (const operation of Object.values(methods as Json)) {
      if (at(operation, 'operationId') !== (operationId as unknown)) continue;
      const [status, response] = Object.entries(at(operation, 'responses')).find(([code]) => code.startsWith('2'))!;
      return { status: Number(status), example: at(at(deref(response as Json), 'content') ?? {}, 'application/json')?.example };
    }
  }
  throw new Error(`no operation ${operationId}`);
}

t.test('every operation answers with its contract example, no token and no database needed', async (t) => {
  const app = await buildMockApp();
  t.teardown(() => app.close());
  t.equal(routes.length, 18, 'all operations');
  for (const route of routes) {
    const url = route.path.replace('{task_id}', TASK_ID).replace('{user_id}', 'demo-user');
    const body = BODIES[route.operationId];
    const response = await app.inject({ method: route.method, url, ...(body ? { payload: body } : {}) });
    const { status, example } = contractExample(route.operationId);
    t.equal(response.statusCode, status, `${route.operationId}: ${status}`);
    if (example !== undefined) t.same(response.json(), example, `${route.operationId}: the contract's example`);
    else t.equal(response.body, '', `${route.operationId}: no body`);
    await assertMatchesContract(route.method, url, response);
  }
});

t.test('a request the contract rejects gets the 422 the real API would send', async (t) => {
  const app = await buildMockApp();
  t.teardown(() => app.close());
  const url = '/api/tasks';
  const response = await app.inject({ method: 'POST', url, payload: { title: 'x', owner: 'someone' } });
  t.equal(response.statusCode, 422);
  t.match(response.json(), { error: 'validation_failed', errors: [{ in: 'body' }] });
  await assertMatchesContract('POST', url, response);
  const unknown = await app.inject({ method: 'GET', url: '/nope' });
  t.equal(unknown.statusCode, 404);
  t.equal(unknown.json().error, 'route_not_found');
  const wrongMethod = await app.inject({ method: 'DELETE', url: '/api/tasks' });
  t.equal(wrongMethod.statusCode, 405, 'a known path with a method it does not have: 405, as the real API');
  t.equal(wrongMethod.headers.allow, 'GET, HEAD, POST');
  t.equal(wrongMethod.json().error, 'method_not_allowed');
});

t.test('CORS lets a local frontend on any port call it, with a bearer token and JSON', async (t) => {
  const app = await buildMockApp();
  t.teardown(() => app.close());
  const origin = 'http://localhost:5173';
  const preflight = await app.inject({
    method: 'OPTIONS',
    url: '/api/tasks',
    headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' },
  });
  t.equal(preflight.statusCode, 204);
  t.equal(preflight.headers['access-control-allow-origin'], origin);
  t.match(String(preflight.headers['access-control-allow-headers']), /authorization/);
  const created = await app.inject({
    method: 'POST',
    url: '/api/tasks',
    headers: { origin, authorization: 'Bearer anything' },
    payload: { title: 'Hi' },
  });
  t.equal(created.statusCode, 201);
  t.equal(created.headers['access-control-allow-origin'], origin);
  t.match(String(created.headers['access-control-expose-headers']), /location/);
  t.equal(created.headers.location, `/api/tasks/${TASK_ID}`);
});
