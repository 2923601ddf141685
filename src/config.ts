// Configuration is read from the environment once, here, at start-up; the rest of the code gets a Config.
import { existsSync, readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { parseEnv } from 'node:util';
import envSchema from 'env-schema';
import type { FromSchema, JSONSchema } from 'json-schema-to-ts';
import { betterAuthJwksUrl, betterAuthOrigin } from './auth/better-auth-url.js';
import { looksPooled } from './db/prepared-statements.js';
import { loadOrCreateDevSecret } from './auth/dev-token.js';

/** Fastify's `trustProxy`: off, a hop count, or the proxies' addresses/CIDRs (never `true`: a client could pick its own address). */
export type TrustProxy = false | number | readonly string[];

/** Deeply read-only: the configuration is never changed after it is loaded. */
type Immutable<T> = T extends (infer E)[] ? readonly Immutable<E>[] : T extends object ? { readonly [K in keyof T]: Immutable<T[K]> } : T;

/** What the rest of the code gets: the shape of what loadConfig() returns, so each variable is mapped in one place. */
export type Config = Immutable<ReturnType<typeof loadConfig>>;

/** A configuration problem, reported as one line before the process exits. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

const schema = {
  type: 'object',
  properties: {
    NODE_ENV: { type: 'string', enum: ['development', 'production', 'test'], default: 'development' },
    HOST: { type: 'string', minLength: 1, default: '127.0.0.1' },
    PORT: { type: 'integer', minimum: 0, maximum: 65535, default: 8000 },
    LOG_LEVEL: { type: 'string', enum: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], default: 'info' },
    LOG_FORMAT: { type: 'string', enum: ['pretty', 'json', 'auto'], default: 'auto' },
    DATABASE_URL: { type: 'string', pattern: '^postgres(ql)?://' },
    DATA_DIR: { type: 'string', minLength: 1, default: '.data' },
    DB_POOL_MAX: { type: 'integer', minimum: 1, maximum: 1000, default: 10 },
    MIGRATE_ON_START: { type: 'boolean' },
    BODY_LIMIT: { type: 'integer', minimum: 1024, maximum: 10485760, default: 16384 },
    DB_POOL_QUEUE_MAX: { type: 'integer', minimum: 0, maximum: 100000, default: 1000 },
    DB_PREPARED_STATEMENTS: { type: 'string', enum: ['auto', 'on', 'off'], default: 'auto' },
    REQUEST_TIMEOUT_SECONDS: { type: 'integer', minimum: 1, maximum: 3600, default: 30 },
    HEADERS_TIMEOUT_SECONDS: { type: 'integer', minimum: 1, maximum: 3600, default: 10 },
    KEEP_ALIVE_TIMEOUT_SECONDS: { type: 'integer', minimum: 1, maximum: 3600, default: 72 },
    SHUTDOWN_TIMEOUT_SECONDS: { type: 'integer', minimum: 1, maximum: 3600, default: 10 },
    OVERLOAD_MAX_EVENT_LOOP_DELAY_MS: { type: 'integer', minimum: 0, maximum: 60000, default: 200 },
    CORS_ORIGINS: { type: 'string', default: '' },
    BETTER_AUTH_SECRET: { type: 'string' },
    BETTER_AUTH_URL: { type: 'string', pattern: '^https?://' },
    JWT_ISSUER: { type: 'string', minLength: 1 },
    JWT_AUDIENCE: { type: 'string', minLength: 1 },
    JWT_CLOCK_TOLERANCE_SECONDS: { type: 'integer', minimum: 0, maximum: 300, default: 30 },
    JWKS_URL: { type: 'string', pattern: '^https?://' },
    JWT_ALGORITHMS: { type: 'string', default: 'EdDSA,ES256,ES512,PS256,RS256' },
    JWKS_COOLDOWN_SECONDS: { type: 'integer', minimum: 1, maximum: 3600, default: 1 },
    AUTH_RATE_LIMIT_MAX: { type: 'integer', minimum: 0, maximum: 1000000, default: 300 },
    AUTH_RATE_LIMIT_WINDOW_SECONDS: { type: 'integer', minimum: 1, maximum: 86400, default: 60 },
    REDIS_URL: { type: 'string', pattern: '^rediss?://' },
    REDIS_KEY_PREFIX: { type: 'string', minLength: 1, maxLength: 200, default: 'todo-api:' },
    TRUST_PROXY: { type: 'string', default: 'false' },
    DRAIN_DELAY_SECONDS: { type: 'number', minimum: 0, maximum: 300 },
    WORKERS: { type: 'string', enum: ['embedded', 'external'], default: 'embedded' },
    IDEMPOTENCY_SWEEP_INTERVAL_SECONDS: { type: 'number', minimum: 0.1, maximum: 86400, default: 60 },
  },
} as const satisfies JSONSchema;

/** The validated environment: its type is the schema's own (defaulted variables are always present). */
type Env = FromSchema<typeof schema>;

const ASYMMETRIC_ALGORITHMS = ['EdDSA', 'ES256', 'ES384', 'ES512', 'PS256', 'PS384', 'PS512', 'RS256', 'RS384', 'RS512'];

/** Empty strings mean "unset", as in most .env files (`DATABASE_URL=`, `NODE_ENV=`). */
function withoutEmpty(env: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined && entry[1] !== ''));
}

/**
 * The variables the process runs with: the `.env` file (when there is one) under the process
 * environment, which wins where it sets a value. Empty values are unset on both sides, so an empty
 * `NODE_ENV=` in the shell leaves the file's value, and the file's `DATABASE_URL=` means none.
 * process.env itself is left as it is (not `process.loadEnvFile`, which would write the file's
 * empty strings into it for every library to see).
 */
export function environment(processEnv: NodeJS.ProcessEnv = process.env, envFile = '.env'): Record<string, string> {
  const file = existsSync(envFile) ? withoutEmpty(parseEnv(readFileSync(envFile, 'utf8'))) : {};
  return { ...file, ...withoutEmpty(processEnv) };
}

// proxy-addr's names for address ranges, accepted as TRUST_PROXY entries.
const PROXY_RANGE_NAMES = ['loopback', 'linklocal', 'uniquelocal'];

function isAddressOrCidr(entry: string): boolean {
  if (PROXY_RANGE_NAMES.includes(entry)) return true;
  const [address = '', bits, ...rest] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (bits === undefined) return true;
  return /^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128);
}

/** TRUST_PROXY: `false` (default), a hop count (1 = the nearest proxy), or comma-separated addresses/CIDRs of the proxies. */
function parseTrustProxy(value: string): TrustProxy {
  const v = value.trim();
  if (v === 'false' || v === '0') return false;
  if (/^\d+$/.test(v)) {
    if (Number(v) > 100) throw new ConfigError(`TRUST_PROXY hop count must be at most 100; got "${value}"`);
    return Number(v);
  }
  if (v === 'true') {
    throw new ConfigError(
      "TRUST_PROXY=true would let any client choose its own address with X-Forwarded-For; give the proxies' addresses/CIDRs or a hop count",
    );
  }
  const entries = v
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean);
  const bad = entries.filter((e) => !isAddressOrCidr(e));
  if (entries.length === 0 || bad.length > 0) {
    throw new ConfigError(
      `TRUST_PROXY must be false, a hop count, or comma-separated IP addresses/CIDRs (or loopback, linklocal, uniquelocal); not "${bad.join(',') || value}"`,
    );
  }
  return entries;
}

export interface LoadOptions {
  /** False for processes that verify no tokens (the worker, migrations): no secret or JWKS is then required in production. */
  verifiesTokens?: boolean;
  /**
   * Outside production without BETTER_AUTH_SECRET, the HS256 secret is the development secret kept in
   * DATA_DIR/dev-secret (generated there on first use): `npm start` and `npm run token` ask for it.
   */
  devSecret?: boolean;
}

/** The development secret in use, for the server's warning and demo token: where it is kept, and whether it was just made. */
export interface DevSecretSource {
  readonly file: string;
  readonly created: boolean;
}

/** The HS256 secret: BETTER_AUTH_SECRET, else (when asked, outside production) the development secret. */
function hs256Secret(raw: Env, jwksUrl: string | undefined, options: LoadOptions): { secret?: string; devSecret?: DevSecretSource } {
  if (raw.NODE_ENV === 'production') {
    if (options.verifiesTokens === false) return { secret: raw.BETTER_AUTH_SECRET };
    if (!raw.BETTER_AUTH_SECRET && !jwksUrl) {
      throw new ConfigError(
        'refusing to start in production without BETTER_AUTH_SECRET (HS256) or BETTER_AUTH_URL / JWKS_URL (Better Auth JWKS)',
      );
    }
    if (raw.BETTER_AUTH_SECRET && Buffer.byteLength(raw.BETTER_AUTH_SECRET) < 32) {
      throw new ConfigError('refusing to start in production with a BETTER_AUTH_SECRET shorter than 32 bytes');
    }
    return { secret: raw.BETTER_AUTH_SECRET };
  }
  if (raw.BETTER_AUTH_SECRET || !options.devSecret) return { secret: raw.BETTER_AUTH_SECRET };
  const dev = loadOrCreateDevSecret(raw.DATA_DIR);
  return { secret: dev.secret, devSecret: { file: dev.file, created: dev.created } };
}

/** Validates the environment into the final Config (nothing is filled in later); throws ConfigError with a one-line reason. */
export function loadConfig(env: Record<string, string | undefined>, options: LoadOptions = {}) {
  let raw: Env;
  try {
    // Only `env` is read: env-schema would otherwise merge process.env under it (empty strings included).
    raw = envSchema<Env>({ schema, data: withoutEmpty(env), env: false });
  } catch (error) {
    throw new ConfigError(`invalid configuration: ${(error as Error).message}`);
  }

  for (const name of ['BETTER_AUTH_URL', 'JWKS_URL'] as const) {
    const value = raw[name];
    if (value !== undefined && !URL.canParse(value)) throw new ConfigError(`${name} must be a URL; got "${value}"`);
  }
  const betterAuthUrl = raw.BETTER_AUTH_URL === undefined ? undefined : betterAuthOrigin(raw.BETTER_AUTH_URL);
  const jwksUrl = raw.JWKS_URL ?? (raw.BETTER_AUTH_URL === undefined ? undefined : betterAuthJwksUrl(raw.BETTER_AUTH_URL));
  const jwksAlgorithms = raw.JWT_ALGORITHMS.split(',')
    .map((a) => a.trim())
    .filter(Boolean);
  const unknown = jwksAlgorithms.filter((a) => !ASYMMETRIC_ALGORITHMS.includes(a));
  if (unknown.length > 0 || jwksAlgorithms.length === 0) {
    throw new ConfigError(
      `JWT_ALGORITHMS must list asymmetric algorithms among ${ASYMMETRIC_ALGORITHMS.join(', ')}; got "${raw.JWT_ALGORITHMS}"`,
    );
  }
  // Node refuses a headers timeout longer than the request timeout (the whole request, headers included).
  if (raw.HEADERS_TIMEOUT_SECONDS > raw.REQUEST_TIMEOUT_SECONDS) {
    throw new ConfigError(
      `HEADERS_TIMEOUT_SECONDS (${raw.HEADERS_TIMEOUT_SECONDS}) must not exceed REQUEST_TIMEOUT_SECONDS (${raw.REQUEST_TIMEOUT_SECONDS})`,
    );
  }
  if (raw.DRAIN_DELAY_SECONDS !== undefined && raw.DRAIN_DELAY_SECONDS >= raw.SHUTDOWN_TIMEOUT_SECONDS) {
    throw new ConfigError(
      `DRAIN_DELAY_SECONDS (${raw.DRAIN_DELAY_SECONDS}) must be below SHUTDOWN_TIMEOUT_SECONDS (${raw.SHUTDOWN_TIMEOUT_SECONDS})`,
    );
  }
  // Unset: 2 s, or half the shutdown timeout when that is shorter (so a short SHUTDOWN_TIMEOUT_SECONDS still drains).
  const drainDelaySeconds = raw.DRAIN_DELAY_SECONDS ?? Math.min(2, raw.SHUTDOWN_TIMEOUT_SECONDS / 2);
  const trustProxy = parseTrustProxy(raw.TRUST_PROXY);
  const { secret, devSecret } = hs256Secret(raw, jwksUrl, options);
  if (raw.WORKERS === 'external' && !raw.DATABASE_URL) {
    throw new ConfigError(
      'WORKERS=external needs DATABASE_URL: the embedded database opens in one process only, so a worker could not share it',
    );
  }

  return {
    nodeEnv: raw.NODE_ENV,
    host: raw.HOST,
    port: raw.PORT,
    logLevel: raw.LOG_LEVEL,
    /** pretty: human-readable lines (pino-pretty); json: one JSON object per line; auto: pretty on a terminal in development (src/logger.ts). */
    logFormat: raw.LOG_FORMAT,
    /** A PostgreSQL URL; absent means the embedded database (PGlite) under `dataDir`. */
    databaseUrl: raw.DATABASE_URL,
    dataDir: raw.DATA_DIR,
    dbPoolMax: raw.DB_POOL_MAX,
    // On by default except in production, where migrations are a deliberate step.
    migrateOnStart: raw.MIGRATE_ON_START ?? raw.NODE_ENV !== 'production',
    bodyLimit: raw.BODY_LIMIT,
    /** Requests waiting for a pooled PostgreSQL connection beyond this many fail at once with 503 (null: unbounded). */
    dbPoolQueueMax: raw.DB_POOL_QUEUE_MAX > 0 ? raw.DB_POOL_QUEUE_MAX : null,
    /** Named prepared statements on PostgreSQL (DB_PREPARED_STATEMENTS; `auto`: on unless the URL looks pooled). */
    dbPreparedStatements:
      raw.DB_PREPARED_STATEMENTS === 'auto' ? !(raw.DATABASE_URL && looksPooled(raw.DATABASE_URL)) : raw.DB_PREPARED_STATEMENTS === 'on',
    /** HTTP server timeouts, in milliseconds (src/http/draining-server.ts). */
    http: {
      requestTimeoutMs: raw.REQUEST_TIMEOUT_SECONDS * 1000,
      headersTimeoutMs: raw.HEADERS_TIMEOUT_SECONDS * 1000,
      keepAliveTimeoutMs: raw.KEEP_ALIVE_TIMEOUT_SECONDS * 1000,
    },
    /** SIGTERM/SIGINT: in-flight requests get this long to finish before the process exits anyway (exit 1). */
    shutdownTimeoutMs: raw.SHUTDOWN_TIMEOUT_SECONDS * 1000,
    /** Mean event-loop delay above which requests are shed with 503 `overloaded` (null: off). */
    overloadMaxEventLoopDelayMs: raw.OVERLOAD_MAX_EVENT_LOOP_DELAY_MS > 0 ? raw.OVERLOAD_MAX_EVENT_LOOP_DELAY_MS : null,
    corsOrigins: raw.CORS_ORIGINS.split(',')
      .map((o) => o.trim())
      .filter(Boolean),
    auth: {
      /** The HS256 secret, if any: BETTER_AUTH_SECRET, or the development secret (LoadOptions.devSecret). */
      secret,
      /** Set when `secret` is the development secret. */
      devSecret,
      /** Better Auth's origin (BETTER_AUTH_URL normalised as Better Auth does): the `iss`/`aud` of its tokens. */
      betterAuthUrl,
      issuer: raw.JWT_ISSUER,
      audience: raw.JWT_AUDIENCE,
      /** Clock skew accepted on exp/nbf: an auth server whose clock runs ahead issues tokens "from the future". */
      clockToleranceSeconds: raw.JWT_CLOCK_TOLERANCE_SECONDS,
      /** Better Auth's JWKS (asymmetric tokens); undefined when neither JWKS_URL nor BETTER_AUTH_URL is set. */
      jwksUrl,
      /** Asymmetric algorithms accepted from the JWKS. */
      jwksAlgorithms,
      /** The JWKS is fetched at most once per this many seconds; an unknown `kid` waits for the next fetch. */
      jwksCooldownSeconds: raw.JWKS_COOLDOWN_SECONDS,
    },
    /** Repeated failed signature checks from one client address get 429 (null: off). */
    authRateLimit: raw.AUTH_RATE_LIMIT_MAX > 0 ? { max: raw.AUTH_RATE_LIMIT_MAX, windowSeconds: raw.AUTH_RATE_LIMIT_WINDOW_SECONDS } : null,
    /** Shared per-client counters in Redis (null: in this process's memory). */
    redis: raw.REDIS_URL ? { url: raw.REDIS_URL, keyPrefix: raw.REDIS_KEY_PREFIX } : null,
    /** Which proxies' X-Forwarded-For is believed for request.ip (limits, logs). */
    trustProxy,
    /** On SIGTERM (not SIGINT), /ready answers 503 for this long before the listener closes, so a balancer stops routing first. */
    drainDelayMs: Math.round(drainDelaySeconds * 1000),
    /** Periodic jobs (src/jobs/): run inside the API process (embedded) or only by `npm run worker` processes (external). */
    jobs: {
      workers: raw.WORKERS,
      /** How often each job runs, once per period across all processes. */
      periods: { idempotencySweepMs: Math.round(raw.IDEMPOTENCY_SWEEP_INTERVAL_SECONDS * 1000) },
    },
  };
}
