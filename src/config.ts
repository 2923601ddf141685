// Configuration is read from the environment once, here, at start-up; the rest of the code gets a Config.
import envSchema from 'env-schema';
import { looksPooled } from './db/prepared-statements.js';

export interface Config {
  readonly nodeEnv: 'development' | 'production' | 'test';
  readonly host: string;
  readonly port: number;
  readonly logLevel: string;
  /** A PostgreSQL URL; absent means the embedded database (PGlite) under `dataDir`. */
  readonly databaseUrl: string | undefined;
  readonly dataDir: string;
  readonly dbPoolMax: number;
  readonly migrateOnStart: boolean;
  readonly bodyLimit: number;
  /** Requests waiting for a pooled PostgreSQL connection beyond this many fail at once with 503 (null: unbounded). */
  readonly dbPoolQueueMax: number | null;
  /** Named prepared statements on PostgreSQL (DB_PREPARED_STATEMENTS; `auto`: on unless the URL looks pooled). */
  readonly dbPreparedStatements: boolean;
  /** HTTP server timeouts, in milliseconds (src/http/draining-server.ts). */
  readonly http: {
    readonly requestTimeoutMs: number;
    readonly headersTimeoutMs: number;
    readonly keepAliveTimeoutMs: number;
  };
  /** SIGTERM/SIGINT: in-flight requests get this long to finish before the process exits anyway (exit 1). */
  readonly shutdownTimeoutMs: number;
  /** Mean event-loop delay above which requests are shed with 503 `overloaded` (null: off). */
  readonly overloadMaxEventLoopDelayMs: number | null;
  readonly corsOrigins: readonly string[];
  readonly auth: {
    /** HS256 secret; in development a generated one is filled in by the server when absent. */
    readonly secret: string | undefined;
    readonly betterAuthUrl: string | undefined;
    readonly issuer: string | undefined;
    readonly audience: string | undefined;
    readonly clockToleranceSeconds: number;
    /** Better Auth's JWKS (asymmetric tokens); undefined when neither JWKS_URL nor BETTER_AUTH_URL is set. */
    readonly jwksUrl: string | undefined;
    /** Asymmetric algorithms accepted from the JWKS. */
    readonly jwksAlgorithms: readonly string[];
    /** An unknown `kid` refetches the JWKS at most once per this many seconds. */
    readonly jwksCooldownSeconds: number;
  };
  /** Repeated authentication failures from one client address get 429 (null: off). */
  readonly authRateLimit: { readonly max: number; readonly windowSeconds: number } | null;
}

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
    JWT_CLOCK_TOLERANCE_SECONDS: { type: 'integer', minimum: 0, maximum: 300, default: 5 },
    JWKS_URL: { type: 'string', pattern: '^https?://' },
    JWT_ALGORITHMS: { type: 'string', default: 'EdDSA,ES256,ES512,PS256,RS256' },
    JWKS_COOLDOWN_SECONDS: { type: 'integer', minimum: 0, maximum: 3600, default: 30 },
    AUTH_RATE_LIMIT_MAX: { type: 'integer', minimum: 0, maximum: 1000000, default: 20 },
    AUTH_RATE_LIMIT_WINDOW_SECONDS: { type: 'integer', minimum: 1, maximum: 86400, default: 60 },
  },
} as const;

interface Env {
  NODE_ENV: Config['nodeEnv'];
  HOST: string;
  PORT: number;
  LOG_LEVEL: string;
  DATABASE_URL?: string;
  DATA_DIR: string;
  DB_POOL_MAX: number;
  MIGRATE_ON_START?: boolean;
  BODY_LIMIT: number;
  DB_POOL_QUEUE_MAX: number;
  DB_PREPARED_STATEMENTS: 'auto' | 'on' | 'off';
  REQUEST_TIMEOUT_SECONDS: number;
  HEADERS_TIMEOUT_SECONDS: number;
  KEEP_ALIVE_TIMEOUT_SECONDS: number;
  SHUTDOWN_TIMEOUT_SECONDS: number;
  OVERLOAD_MAX_EVENT_LOOP_DELAY_MS: number;
  CORS_ORIGINS: string;
  BETTER_AUTH_SECRET?: string;
  BETTER_AUTH_URL?: string;
  JWT_ISSUER?: string;
  JWT_AUDIENCE?: string;
  JWT_CLOCK_TOLERANCE_SECONDS: number;
  JWKS_URL?: string;
  JWT_ALGORITHMS: string;
  JWKS_COOLDOWN_SECONDS: number;
  AUTH_RATE_LIMIT_MAX: number;
  AUTH_RATE_LIMIT_WINDOW_SECONDS: number;
}

const ASYMMETRIC_ALGORITHMS = ['EdDSA', 'ES256', 'ES384', 'ES512', 'PS256', 'PS384', 'PS512', 'RS256', 'RS384', 'RS512'];

/** Validates the environment into a Config; throws ConfigError with a one-line reason. */
export function loadConfig(env: Record<string, string | undefined>): Config {
  let raw: Env;
  try {
    // Empty strings mean "unset", as in most .env files.
    const data = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
    raw = envSchema<Env>({ schema, data });
  } catch (error) {
    throw new ConfigError(`invalid configuration: ${(error as Error).message}`);
  }

  const jwksUrl = raw.JWKS_URL ?? (raw.BETTER_AUTH_URL ? `${raw.BETTER_AUTH_URL.replace(/\/+$/, '')}/api/auth/jwks` : undefined);
  const jwksAlgorithms = raw.JWT_ALGORITHMS.split(',').map((a) => a.trim()).filter(Boolean);
  const unknown = jwksAlgorithms.filter((a) => !ASYMMETRIC_ALGORITHMS.includes(a));
  if (unknown.length > 0 || jwksAlgorithms.length === 0) {
    throw new ConfigError(`JWT_ALGORITHMS must list asymmetric algorithms among ${ASYMMETRIC_ALGORITHMS.join(', ')}; got "${raw.JWT_ALGORITHMS}"`);
  }
  // Node refuses a headers timeout longer than the request timeout (the whole request, headers included).
  if (raw.HEADERS_TIMEOUT_SECONDS > raw.REQUEST_TIMEOUT_SECONDS) {
    throw new ConfigError(`HEADERS_TIMEOUT_SECONDS (${raw.HEADERS_TIMEOUT_SECONDS}) must not exceed REQUEST_TIMEOUT_SECONDS (${raw.REQUEST_TIMEOUT_SECONDS})`);
  }
  if (raw.NODE_ENV === 'production') {
    if (!raw.BETTER_AUTH_SECRET && !jwksUrl) {
      throw new ConfigError('refusing to start in production without BETTER_AUTH_SECRET (HS256) or BETTER_AUTH_URL / JWKS_URL (Better Auth JWKS)');
    }
    if (raw.BETTER_AUTH_SECRET && Buffer.byteLength(raw.BETTER_AUTH_SECRET) < 32) {
      throw new ConfigError('refusing to start in production with a BETTER_AUTH_SECRET shorter than 32 bytes');
    }
  }

  return {
    nodeEnv: raw.NODE_ENV,
    host: raw.HOST,
    port: raw.PORT,
    logLevel: raw.LOG_LEVEL,
    databaseUrl: raw.DATABASE_URL,
    dataDir: raw.DATA_DIR,
    dbPoolMax: raw.DB_POOL_MAX,
    // On by default except in production, where migrations are a deliberate step.
    migrateOnStart: raw.MIGRATE_ON_START ?? raw.NODE_ENV !== 'production',
    bodyLimit: raw.BODY_LIMIT,
    dbPoolQueueMax: raw.DB_POOL_QUEUE_MAX > 0 ? raw.DB_POOL_QUEUE_MAX : null,
    dbPreparedStatements: raw.DB_PREPARED_STATEMENTS === 'auto' ? !(raw.DATABASE_URL && looksPooled(raw.DATABASE_URL)) : raw.DB_PREPARED_STATEMENTS === 'on',
    http: {
      requestTimeoutMs: raw.REQUEST_TIMEOUT_SECONDS * 1000,
      headersTimeoutMs: raw.HEADERS_TIMEOUT_SECONDS * 1000,
      keepAliveTimeoutMs: raw.KEEP_ALIVE_TIMEOUT_SECONDS * 1000,
    },
    shutdownTimeoutMs: raw.SHUTDOWN_TIMEOUT_SECONDS * 1000,
    overloadMaxEventLoopDelayMs: raw.OVERLOAD_MAX_EVENT_LOOP_DELAY_MS > 0 ? raw.OVERLOAD_MAX_EVENT_LOOP_DELAY_MS : null,
    corsOrigins: raw.CORS_ORIGINS.split(',').map((o) => o.trim()).filter(Boolean),
    auth: {
      secret: raw.BETTER_AUTH_SECRET,
      betterAuthUrl: raw.BETTER_AUTH_URL,
      issuer: raw.JWT_ISSUER,
      audience: raw.JWT_AUDIENCE,
      clockToleranceSeconds: raw.JWT_CLOCK_TOLERANCE_SECONDS,
      jwksUrl,
      jwksAlgorithms,
      jwksCooldownSeconds: raw.JWKS_COOLDOWN_SECONDS,
    },
    authRateLimit: raw.AUTH_RATE_LIMIT_MAX > 0 ? { max: raw.AUTH_RATE_LIMIT_MAX, windowSeconds: raw.AUTH_RATE_LIMIT_WINDOW_SECONDS } : null,
  };
}
