// Security headers (src/plugins/security-headers.ts): on every API answer, errors included, with a
// CSP that allows nothing; Swagger UI under /docs keeps working with a CSP of its own; CORS intact.
import t, { type Test } from 'tap';
import type { LightMyRequestResponse } from 'fastify';
import { build, call } from '../helper.js';

const FRONTEND = 'https://app.example.com';
const API_CSP = "default-src 'none';frame-ancestors 'none'";

/** Parses a CSP header into directive → sources. */
function csp(header: unknown): Map<string, string[]> {
  return new Map(
    String(header ?? '')
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .filter((parts) => parts[0])
      .map(([name, ...sources]) => [name!, sources]),
  );
}

function assertSecurityHeaders(t: Test, res: LightMyRequestResponse, what: string) {
  t.equal(res.headers['x-content-type-options'], 'nosniff', `${what}: nosniff`);
  t.equal(res.headers['x-frame-options'], 'DENY', `${what}: frames denied`);
  t.equal(res.headers['referrer-policy'], 'no-referrer', `${what}: no referrer`);
  t.equal(res.headers['strict-transport-security'], 'max-age=31536000; includeSubDomains', `${what}: HSTS`);
  t.equal(res.headers['cross-origin-resource-policy'], 'same-origin', `${what}: CORP`);
  t.notOk(res.headers['x-powered-by'], `${what}: no x-powered-by`);
}

t.test('API answers, successes and errors alike, carry the security headers and the strict CSP', async (t) => {
  const app = await build(t);
  const answers: Record<string, LightMyRequestResponse> = {
    'GET /health 200': await call(app, { method: 'GET', url: '/health' }),
    'GET /api/tasks 200': await call(app, { method: 'GET', url: '/api/tasks', as: 'alice' }),
    'POST /api/tasks 201': await call(app, { method: 'POST', url: '/api/tasks', as: 'alice', body: { title: 'Buy milk' } }),
    'GET /api/tasks 401': await call(app, { method: 'GET', url: '/api/tasks' }),
    'GET /api/tasks 401 (bad token)': await call(app, { method: 'GET', url: '/api/tasks', authorization: 'Bearer x.y.z' }),
    'GET /api/bob/tasks 403': await call(app, { method: 'GET', url: '/api/bob/tasks', as: 'alice' }),
    'GET /nowhere 404': await call(app, { method: 'GET', url: '/nowhere' }),
    'GET /api/tasks/{id} 404': await call(app, { method: 'GET', url: '/api/tasks/0b5d6e0c-8a3f-4f7e-9a43-6d5b2f1c9e10', as: 'alice' }),
    'POST /api/tasks 415': await call(app, {
      method: 'POST',
      url: '/api/tasks',
      as: 'alice',
      payload: 'x',
      headers: { 'content-type': 'text/plain' },
    }),
    'POST /api/tasks 422': await call(app, { method: 'POST', url: '/api/tasks', as: 'alice', body: { title: '' } }),
    'GET /openapi.json 200': await app.inject({ method: 'GET', url: '/openapi.json' }),
  };
  t.equal(answers['GET /api/tasks 401']!.statusCode, 401);
  t.equal(answers['GET /nowhere 404']!.statusCode, 404);
  for (const [what, res] of Object.entries(answers)) {
    assertSecurityHeaders(t, res, what);
    t.equal(res.headers['content-security-policy'], API_CSP, `${what}: strict CSP`);
  }
});

t.test('CORS still works for the configured frontend: preflight and the actual request', async (t) => {
  const app = await build(t, { env: { CORS_ORIGINS: FRONTEND } });
  const preflight = await app.inject({
    method: 'OPTIONS',
    url: '/api/tasks',
    headers: { origin: FRONTEND, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' },
  });
  t.equal(preflight.statusCode, 204);
  t.equal(preflight.headers['access-control-allow-origin'], FRONTEND);
  t.match(preflight.headers['access-control-allow-headers'], /Authorization/);

  const actual = await call(app, { method: 'GET', url: '/api/tasks', as: 'alice', headers: { origin: FRONTEND } });
  t.equal(actual.statusCode, 200);
  t.equal(actual.headers['access-control-allow-origin'], FRONTEND);
  t.match(actual.headers['access-control-expose-headers'], /Retry-After/, 'the frontend can read Retry-After (429, 503)');
  // CORP is only enforced on no-cors loads (<img>, <script>); a CORS fetch is governed by the headers above.
  assertSecurityHeaders(t, actual, 'CORS GET');

  const unauthorized = await call(app, { method: 'GET', url: '/api/tasks', headers: { origin: FRONTEND } });
  t.equal(unauthorized.headers['access-control-allow-origin'], FRONTEND, 'errors are readable by the frontend too');
});

t.test('/docs serves Swagger UI with a CSP that allows its own scripts, styles and the contract fetch', async (t) => {
  const app = await build(t);
  // /docs sends the browser to docs/ (relative: it keeps a proxy's path prefix), so the page's relative URLs resolve under it.
  const bare = await app.inject({ method: 'GET', url: '/docs' });
  t.equal(bare.statusCode, 302, '/docs redirects');
  t.equal(bare.headers.location, 'docs/', '/docs → docs/, relative');
  assertSecurityHeaders(t, bare, '/docs');
  for (const url of ['/docs/']) {
    const page = await app.inject({ method: 'GET', url });
    t.equal(page.statusCode, 200, `${url} 200`);
    t.match(page.headers['content-type'], /^text\/html/);
    assertSecurityHeaders(t, page, url);
    const policy = csp(page.headers['content-security-policy']);
    t.same(policy.get('default-src'), ["'self'"], `${url}: default-src 'self'`);
    t.same(policy.get('script-src'), ["'self'"], `${url}: same-origin scripts, nothing inline`);
    t.same(
      policy.get('style-src'),
      ["'self'", "'sha256-RL3ie0nH+Lzz2YNqQN83mnU0J1ot4QL7b99vMdIX99w='"],
      `${url}: same-origin styles, and the one <style> Swagger UI inserts`,
    );
    t.same(policy.get('connect-src'), ["'self'"], `${url}: fetches the contract from its own origin`);
    t.same(policy.get('frame-ancestors'), ["'none'"], `${url}: not framable`);
    t.same(policy.get('object-src'), ["'none'"]);

    // Everything the page loads must be allowed by that CSP: same-origin files only, no inline code.
    const html = page.body;
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    t.ok(scripts.length >= 3, `${url}: the page has its scripts`);
    for (const [, attributes, inline] of scripts) {
      t.equal(inline!.trim(), '', `${url}: no inline script`);
      t.match(attributes, /\bsrc="\.\//, `${url}: script from the same origin, by a relative URL`);
    }
    t.notMatch(html, /<style\b|\sstyle="|\son[a-z]+=/i, `${url}: no inline styles or event handlers`);
    const files = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => new URL(m[1]!, `http://localhost${url}`).pathname);
    t.ok(files.some((f) => f.endsWith('/swagger-ui-bundle.js')));
    for (const file of files) {
      const res = await app.inject({ method: 'GET', url: file });
      t.equal(res.statusCode, 200, `${url} loads ${file}`);
    }
  }
  const contract = await app.inject({ method: 'GET', url: '/docs/json' });
  t.equal(contract.statusCode, 200, 'the contract Swagger UI fetches');
  t.equal(contract.json().openapi, '3.1.0');
});
