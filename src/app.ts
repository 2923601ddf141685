// Builds the application: a Fastify instance with every plugin registered. The process concerns
// (environment, listening, signals) are in server.ts; tests build the app and inject requests.
import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Config } from './config.js';
import { databaseTarget, type DatabaseTarget } from './db/connect.js';
import { createTokenVerifier, type TokenVerifier } from './auth/verifier.js';
import { jwksKeyLookup } from './auth/jwks.js';
import { handlers } from './handlers.js';
import errors, { answerFrameworkError } from './plugins/errors.js';
import unreadBody from './plugins/unread-body.js';
import { answerClientError } from './http/client-errors.js';
import database from './plugins/database.js';
import auth from './plugins/auth.js';
import cors from './plugins/cors.js';
import securityHeaders from './plugins/security-headers.js';
import docs, { DOCS_PREFIX } from './plugins/docs.js';
import drain from './plugins/drain.js';
import loadShedding from './plugins/load-shedding.js';
import { createHttpServer } from './http/draining-server.js';
import contract from './plugins/contract.js';
import { loggerOptions } from './logger.js';
import { AccessLog } from './http/access-log.js';
import backgroundJobs from './plugins/background-jobs.js';
import counterStore from './plugins/counter-store.js';
import { DRAIN_IDLE_GRACE_MS, MAX_PARAM_LENGTH, PLUGIN_TIMEOUT_MS } from './limits.js';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export interface AppOverrides {
  /** `false` silences logging (tests); a stream receives the JSON log lines (tests that read logs). */
  logger?: false | { write(line: string): void };
  /** Tests use their own database (a fresh PostgreSQL database, or PGlite in memory). */
  database?: DatabaseTarget;
  /** How often the event-loop delay is sampled for load shedding (default 1 s; tests use a short one). */
  overloadSampleIntervalMs?: number;
  /** `false`: no periodic jobs in this app, whatever WORKERS says (tests that count the app's own statements or connections). */
  backgroundJobs?: false;
}

/** HS256 when a secret is set, JWKS when a URL is; both may be on, each with its own algorithms. */
function tokenVerifier(config: Config, onJwksError: (error: unknown) => void): TokenVerifier {
  const { auth } = config;
  if (!auth.secret && !auth.jwksUrl) throw new Error('no BETTER_AUTH_SECRET and no JWKS: nothing can verify tokens');
  return createTokenVerifier({
    clockToleranceSeconds: auth.clockToleranceSeconds,
    ...(auth.secret ? { hs256: { secret: auth.secret, issuer: auth.issuer, audience: auth.audience } } : {}),
    ...(auth.jwksUrl
      ? {
          jwks: {
            keys: jwksKeyLookup({ url: auth.jwksUrl, minIntervalMs: auth.jwksCooldownSeconds * 1000, onError: onJwksError }),
            algorithms: auth.jwksAlgorithms,
            // Better Auth sets iss and aud to its base URL's origin (config.ts normalises it the same way).
            issuer: auth.issuer ?? auth.betterAuthUrl,
            audience: auth.audience ?? auth.betterAuthUrl,
          },
        }
      : {}),
  });
}

/**
 * request.ip (rate limits, logs) comes from X-Forwarded-For only as far as TRUST_PROXY says. A hop
 * count trusts the n nearest hops whatever their address (Express's meaning; Fastify 5 itself
 * ignores a number), so it is only safe when clients cannot reach the app except through the proxies.
 */
function fastifyTrustProxy(trust: Config['trustProxy']): false | string[] | ((address: string, hop: number) => boolean) {
  if (trust === false) return false;
  if (typeof trust === 'number') return (_address, hop) => hop < trust;
  return [...trust];
}

export async function buildApp(config: Config, overrides: AppOverrides = {}): Promise<FastifyInstance> {
  const app: FastifyInstance = Fastify({
    logger: overrides.logger === false ? false : loggerOptions(config, overrides.logger),
    logController: new AccessLog(),
    bodyLimit: config.bodyLimit,
    trustProxy: fastifyTrustProxy(config.trustProxy),
    pluginTimeout: PLUGIN_TIMEOUT_MS,
    // Timeouts and the header size limit are set on our own server (src/http/draining-server.ts),
    // whose close() leaves idle keep-alive connections to the drain plugin instead of cutting them.
    serverFactory: (handler) => createHttpServer(config.http, handler),
    forceCloseConnections: false,
    // Fastify's own 503 while closing is not the contract's Error shape: requests that still arrive
    // on open connections during the drain are served, with Connection: close (src/plugins/drain.ts).
    return503OnClosing: false,
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    // The router's own failures (undecodable path, over-long parameter) and the HTTP parser's
    // (bad framing, huge headers, timeouts) answer in the contract's error shape too.
    frameworkErrors: answerFrameworkError,
    clientErrorHandler: (error, socket) => answerClientError(app.log, error, socket),
    // A well-formed client x-request-id is kept (to trace a call across services), else one is made.
    requestIdHeader: false,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
  });
  // A plain callback hook: no promise per request.
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    done();
  });

  const verifier = tokenVerifier(config, (error) => app.log.warn({ err: error }, 'could not refresh the JWKS; known keys stay in use'));

  // Each plugin declares the plugins it must follow (fastify-plugin `dependencies`, `decorators`):
  // an order that breaks one fails at start-up.
  await app.register(errors);
  await app.register(unreadBody);
  await app.register(drain, { idleGraceMs: Math.min(DRAIN_IDLE_GRACE_MS, config.shutdownTimeoutMs / 4) });
  await app.register(cors, { origins: config.corsOrigins });
  await app.register(securityHeaders, { docsPrefix: DOCS_PREFIX });
  await app.register(database, { target: overrides.database ?? databaseTarget(config), migrate: config.migrateOnStart });
  if (config.overloadMaxEventLoopDelayMs !== null) {
    await app.register(loadShedding, {
      maxEventLoopDelayMs: config.overloadMaxEventLoopDelayMs,
      ...(overrides.overloadSampleIntervalMs ? { sampleIntervalMs: overrides.overloadSampleIntervalMs } : {}),
    });
  }
  if (config.jobs.workers === 'embedded' && overrides.backgroundJobs !== false)
    await app.register(backgroundJobs, { periods: config.jobs.periods });
  await app.register(counterStore, { redis: config.redis });
  await app.register(auth, { verifier, rateLimit: config.authRateLimit });
  await app.register(docs);
  await app.register(contract, { handlers });
  return app;
}
