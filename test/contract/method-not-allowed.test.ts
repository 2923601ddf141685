// A method a known path does not have is 405 with `Allow`, in the Error shape, as the contract
// declares (x-method-not-allowed → components.responses.MethodNotAllowed). The expected lists come
// from generated/routes.ts, path by path, so the route table and the server must agree; unknown
// paths stay 404, and CORS preflights are still answered.
import t from 'tap';
import { routes } from '../../generated/routes.js';
import { openapiDocument } from '../../generated/document.js';
import { build, call } from '../helper.js';

const TRIED = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'TRACE'] as const;
const ORDER = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'];

type Doc = {
  'x-method-not-allowed': { $ref: string };
  components: {
    responses: Record<string, { headers?: Record<string, { $ref: string }> }>;
    headers: Record<string, { schema: { pattern: string } }>;
    schemas: Record<string, { enum?: string[] }>;
  };
};
const doc = openapiDocument as unknown as Doc;

/** Each path of the contract, its methods as routes.ts lists them, and HEAD with GET. */
const allowByPath = new Map<string, string[]>();
for (const route of routes) {
  const methods = allowByPath.get(route.path) ?? [];
  methods.push(route.method, ...(route.method === 'GET' ? ['HEAD'] : []));
  allowByPath.set(route.path, methods);
}

/** A concrete URL for a path template, with parameters that pass validation. */
const concrete = (path: string) => path.replace('{user_id}', 'alice').replace('{task_id}', '00000000-0000-4000-8000-000000000000');

t.test('the contract declares the 405: a code, a reusable response with Allow, applied to every path', async (t) => {
  t.ok(doc.components.schemas.ErrorCode?.enum?.includes('method_not_allowed'));
  t.equal(doc['x-method-not-allowed'].$ref, '#/components/responses/MethodNotAllowed');
  t.equal(doc.components.responses.MethodNotAllowed?.headers?.Allow?.$ref, '#/components/headers/Allow');
});

t.test('every path of routes.ts answers each method it lacks with 405 and its exact Allow list', async (t) => {
  const app = await build(t);
  const allowPattern = new RegExp(doc.components.headers.Allow!.schema.pattern);
  t.ok(allowByPath.size >= 10, `${allowByPath.size} paths`);
  for (const [path, methods] of allowByPath) {
    const expected = ORDER.filter((m) => methods.includes(m)).join(', ');
    for (const method of TRIED) {
      if (methods.includes(method)) continue;
      const url = concrete(path);
      const res = await call(app, { method, url, as: 'alice' });
      t.equal(res.statusCode, 405, `${method} ${path}`);
      t.equal(res.headers.allow, expected, `${method} ${path}: Allow`);
      t.match(String(res.headers.allow), allowPattern);
      if (method !== 'HEAD') t.equal(res.json().error, 'method_not_allowed', `${method} ${path}: code`);
    }
    // And the methods it lists are routed: never 404 or 405.
    for (const method of methods) {
      const res = await app.inject({ method: method as 'GET', url: concrete(path) });
      t.notOk([404, 405].includes(res.statusCode), `${method} ${path} is routed (${res.statusCode})`);
    }
  }
});

t.test('a query string does not change the answer', async (t) => {
  const app = await build(t);
  const res = await call(app, { method: 'DELETE', url: '/api/tasks?limit=5', as: 'alice' });
  t.equal(res.statusCode, 405);
  t.equal(res.headers.allow, 'GET, HEAD, POST');
});

t.test('unknown paths stay 404 route_not_found, whatever the method', async (t) => {
  const app = await build(t);
  for (const url of ['/api/nothing/here/at/all', '/api', '/api/tasks/00000000-0000-4000-8000-000000000000/other', '/']) {
    for (const method of ['GET', 'POST', 'DELETE'] as const) {
      const res = await call(app, { method, url, as: 'alice' });
      t.equal(res.statusCode, 404, `${method} ${url}`);
      t.equal(res.json().error, 'route_not_found');
      t.equal(res.headers.allow, undefined);
    }
  }
});

t.test('a CORS preflight on a known path is still answered, for any of its methods', async (t) => {
  const origin = 'https://app.example.com';
  const app = await build(t, { env: { CORS_ORIGINS: origin } });
  for (const [url, method] of [
    ['/api/tasks', 'POST'],
    ['/api/tasks/00000000-0000-4000-8000-000000000000', 'DELETE'],
    ['/api/alice/tasks/00000000-0000-4000-8000-000000000000/complete', 'PATCH'],
  ] as const) {
    const preflight = await app.inject({
      method: 'OPTIONS',
      url,
      headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': 'authorization,content-type' },
    });
    t.equal(preflight.statusCode, 204, `preflight ${method} ${url}`);
    t.equal(preflight.headers['access-control-allow-origin'], origin);
  }
});
