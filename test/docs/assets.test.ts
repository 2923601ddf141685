// The docs page's files: the UI bundle compressed and cacheable, the page titled after the API, and
// the document it reads pointing Try it out at the server the page came from (relative URLs only).
import t from 'tap';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { build } from '../helper.js';
import { openapiDocument } from '../../generated/document.js';

const BUNDLE = '/docs/static/swagger-ui-bundle.js';

t.test('the UI bundle is served compressed (brotli, gzip) and identical once decompressed', async (t) => {
  const app = await build(t);
  const plain = await app.inject({ method: 'GET', url: BUNDLE });
  t.equal(plain.statusCode, 200);
  t.notOk(plain.headers['content-encoding'], 'no Accept-Encoding: sent as is');
  t.ok(plain.rawPayload.length > 1_000_000, `the bundle is big (${plain.rawPayload.length} bytes)`);
  for (const [encoding, decompress] of [
    ['br', brotliDecompressSync],
    ['gzip', gunzipSync],
  ] as const) {
    const res = await app.inject({ method: 'GET', url: BUNDLE, headers: { 'accept-encoding': encoding } });
    t.equal(res.headers['content-encoding'], encoding, `${encoding}: encoded`);
    t.match(res.headers.vary, /accept-encoding/i, `${encoding}: Vary: Accept-Encoding`);
    t.ok(res.rawPayload.length < plain.rawPayload.length / 3, `${encoding}: ${res.rawPayload.length} bytes, under a third`);
    t.ok(decompress(res.rawPayload).equals(plain.rawPayload), `${encoding}: the same file`);
  }
});

t.test('the UI files are cacheable and revalidate with 304; the page and its document are revalidated every time', async (t) => {
  const app = await build(t);
  const first = await app.inject({ method: 'GET', url: BUNDLE, headers: { 'accept-encoding': 'br' } });
  t.equal(first.headers['cache-control'], 'public, max-age=3600');
  const etag = first.headers.etag;
  t.type(etag, 'string', 'an ETag');
  const again = await app.inject({ method: 'GET', url: BUNDLE, headers: { 'accept-encoding': 'br', 'if-none-match': String(etag) } });
  t.equal(again.statusCode, 304, 'If-None-Match: 304');
  t.equal(again.rawPayload.length, 0, 'no body');
  t.equal(again.headers['cache-control'], 'public, max-age=3600', 'the 304 renews the freshness');
  for (const url of ['/docs/', '/docs/json']) {
    const res = await app.inject({ method: 'GET', url });
    t.equal(res.statusCode, 200, url);
    t.equal(res.headers['cache-control'], 'no-cache', `${url}: revalidated, so a new version shows at once`);
  }
});

t.test('compression stays on the docs: API responses and the contract are not re-encoded', async (t) => {
  const app = await build(t);
  const res = await app.inject({ method: 'GET', url: '/openapi.json', headers: { 'accept-encoding': 'br, gzip' } });
  t.equal(res.statusCode, 200);
  t.notOk(res.headers['content-encoding']);
  const health = await app.inject({ method: 'GET', url: '/health', headers: { 'accept-encoding': 'br, gzip' } });
  t.notOk(health.headers['content-encoding']);
  t.notOk(health.headers['cache-control'], 'no docs caching on the API');
});

t.test('the page is titled after the API, and every URL it uses is relative', async (t) => {
  const app = await build(t);
  const page = await app.inject({ method: 'GET', url: '/docs/' });
  const { title, version } = (openapiDocument as { info: { title: string; version: string } }).info;
  t.match(page.body, new RegExp(`<title>${title} ${version.replaceAll('.', '\\.')}</title>`));
  t.notMatch(page.body, /Swagger UI<\/title>/);
  for (const [, url] of page.body.matchAll(/(?:src|href)="([^"]+)"/g)) t.match(url, /^\.\//, `${url} is relative`);
  const redirect = await app.inject({ method: 'GET', url: '/docs?foo=1' });
  t.equal(redirect.headers.location, 'docs/?foo=1', 'the redirect keeps the query');
});

t.test('Try it out calls the server the page was loaded from', async (t) => {
  const app = await build(t);
  const contract = (await app.inject({ method: 'GET', url: '/openapi.json' })).json();
  t.same(
    contract.servers.map((s: { url: string }) => s.url),
    ['/'],
    'the contract: the origin it was fetched from',
  );
  const forDocs = (await app.inject({ method: 'GET', url: '/docs/json' })).json();
  t.same(
    forDocs.servers.map((s: { url: string }) => s.url),
    ['..'],
    "the docs' copy: relative to /docs/json, so a path prefix is kept",
  );
  t.equal(new URL('..', 'http://127.0.0.1:8000/docs/json').href, 'http://127.0.0.1:8000/');
  t.equal(new URL('..', 'https://example.com/todo/docs/json').href, 'https://example.com/todo/');
  t.same({ ...forDocs, servers: undefined }, { ...contract, servers: undefined }, 'otherwise the same document');
});
