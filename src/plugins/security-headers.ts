// Security headers on every response, set in onRequest so errors (401, 404, 429…) carry them too.
// The API answers JSON only, so its CSP allows nothing at all. Helmet computes that header set ONCE
// at start-up (API_HEADERS: the same options, hence the same headers, for every request), and a
// synchronous hook copies it onto each reply; @fastify/helmet would rebuild helmet's middleware per
// request. The Swagger UI under `docsPrefix` gets a CSP of its own that allows its same-origin
// scripts, styles and fetches (Try it out calls the API on the page's own origin: the docs' server URL
// is relative, src/plugins/docs.ts): there @fastify/helmet applies its route options over the static set.
// @fastify/helmet is registered in the docs' own scope only (docsHelmet), so API requests never run
// its two hooks (one of them async, building a reply.helmet closure per request).
// Register before the docs plugin: its routes get their CSP as they are declared (onRoute).
import type { IncomingMessage, ServerResponse } from 'node:http';
import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import helmet from '@fastify/helmet';
import helmetHeaders, { type HelmetOptions } from 'helmet';

export interface SecurityHeadersOptions {
  /** Where @fastify/swagger-ui is mounted (DOCS_PREFIX, src/plugins/docs.ts). */
  docsPrefix: string;
}

/** JSON responses: nothing may load, nothing may frame them. */
export const API_CSP = { defaultSrc: ["'none'"], frameAncestors: ["'none'"] };

/**
 * Swagger UI: its page loads only same-origin files (no inline script; @fastify/swagger-ui's
 * static/csp.json lists no hashes), fetches the contract from /docs/json, and uses data: images
 * and fonts. Like @fastify/swagger-ui's own `staticCSP`, without `https:` styles, without
 * `upgrade-insecure-requests` (it breaks docs served over plain HTTP in development), and framing denied.
 */
const DOCS_CSP = {
  defaultSrc: ["'self'"],
  baseUri: ["'self'"],
  connectSrc: ["'self'"],
  fontSrc: ["'self'", 'data:'],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
  imgSrc: ["'self'", 'data:'],
  objectSrc: ["'none'"],
  scriptSrc: ["'self'"],
  scriptSrcAttr: ["'none'"],
  // Swagger UI's React inserts one fixed <style> element while rendering; its hash admits exactly that
  // content and nothing else (test/docs/browser.test.ts fails on any CSP violation, so a new Swagger UI
  // version that changes it is noticed).
  styleSrc: ["'self'", "'sha256-RL3ie0nH+Lzz2YNqQN83mnU0J1ot4QL7b99vMdIX99w='"],
};

/** The API's helmet options. */
const API_OPTIONS = {
  contentSecurityPolicy: { useDefaults: false, directives: API_CSP },
  frameguard: { action: 'deny' },
  referrerPolicy: { policy: 'no-referrer' },
  strictTransportSecurity: { maxAge: 31_536_000, includeSubDomains: true },
  // CORP is enforced on no-cors loads (<script>, <img>…) only, never on CORS fetches, so the
  // frontend origins in CORS_ORIGINS still read responses; other sites cannot embed them.
  crossOriginResourcePolicy: { policy: 'same-origin' },
  crossOriginOpenerPolicy: { policy: 'same-origin' },
} satisfies HelmetOptions;

/** The headers helmet sets for `options`: its middleware run once against a response that records them. */
function helmetHeaderSet(options: HelmetOptions): Readonly<Record<string, string>> {
  const headers: Record<string, string> = {};
  const recorder = {
    setHeader: (name: string, value: unknown) => void (headers[name.toLowerCase()] = String(value)),
    removeHeader: (name: string) => void delete headers[name.toLowerCase()],
  };
  helmetHeaders(options)({} as IncomingMessage, recorder as unknown as ServerResponse, () => {});
  return Object.freeze(headers);
}

const API_HEADERS = helmetHeaderSet(API_OPTIONS);

export default fp<SecurityHeadersOptions>(
  async (app, { docsPrefix }) => {
    app.addHook('onRequest', (request, reply, done) => {
      // Routes with helmet options of their own (the docs) get helmet's full set from @fastify/helmet instead.
      if ((request.routeOptions.config as { helmet?: unknown }).helmet === undefined) reply.headers(API_HEADERS);
      done();
    });
    // Runs before helmet's own onRoute hook (in the docs' scope), which turns the `helmet` route option into route config.
    app.addHook('onRoute', (route) => {
      if (route.helmet === undefined && (route.url === docsPrefix || route.url.startsWith(`${docsPrefix}/`))) {
        route.helmet = { contentSecurityPolicy: { useDefaults: false, directives: DOCS_CSP } };
      }
    });
  },
  { name: 'security-headers' },
);

/**
 * @fastify/helmet for the docs routes: register it in the docs' scope, before their routes. Not global:
 * only routes with helmet options (given above, by prefix) run helmet per request.
 */
export async function docsHelmet(scope: FastifyInstance): Promise<void> {
  await scope.register(helmet, { ...API_OPTIONS, global: false });
}
