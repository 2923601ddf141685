// Configuration is read from the environment once, here, at start-up; the rest of the code gets a Config.
import envSchema from 'env-schema';

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
  readonly corsOrigins: readonly string[];
  readonly auth: {
    /** HS256 secret; in development a generated one is filled in by the server when absent. */
    readonly secret: string | undefined;
    readonly betterAuthUrl: string | undefined;
    readonly issuer: string | undefined;
    readonly audience: string | undefined;
    readonly clockToleranceSeconds: number;
  };
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
    MIGRATE_ON_START: { type: 'boolean', default: true },
    BODY_LIMIT: { type: 'integer', minimum: 1024, maximum: 10485760, default: 16384 },
    CORS_ORIGINS: { type: 'string', default: '' },
    BETTER_AUTH_SECRET: { type: 'string' },
    BETTER_AUTH_URL: { type: 'string', pattern: '^https?://' },
    JWT_ISSUER: { type: 'string', minLength: 1 },
    JWT_AUDIENCE: { type: 'string', minLength: 1 },
    JWT_CLOCK_TOLERANCE_SECONDS: { type: 'integer', minimum: 0, maximum: 300, default: 5 },
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
  MIGRATE_ON_START: boolean;
  BODY_LIMIT: number;
  CORS_ORIGINS: string;
  BETTER_AUTH_SECRET?: string;
  BETTER_AUTH_URL?: string;
  JWT_ISSUER?: string;
  JWT_AUDIENCE?: string;
  JWT_CLOCK_TOLERANCE_SECONDS: number;
}

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

  if (raw.NODE_ENV === 'production' && !raw.BETTER_AUTH_SECRET) {
    throw new ConfigError('refusing to start in production without BETTER_AUTH_SECRET (the HS256 key that verifies bearer tokens)');
  }

  return {
    nodeEnv: raw.NODE_ENV,
    host: raw.HOST,
    port: raw.PORT,
    logLevel: raw.LOG_LEVEL,
    databaseUrl: raw.DATABASE_URL,
    dataDir: raw.DATA_DIR,
    dbPoolMax: raw.DB_POOL_MAX,
    migrateOnStart: raw.MIGRATE_ON_START,
    bodyLimit: raw.BODY_LIMIT,
    corsOrigins: raw.CORS_ORIGINS.split(',').map((o) => o.trim()).filter(Boolean),
    auth: {
      secret: raw.BETTER_AUTH_SECRET,
      betterAuthUrl: raw.BETTER_AUTH_URL,
      issuer: raw.JWT_ISSUER,
      audience: raw.JWT_AUDIENCE,
      clockToleranceSeconds: raw.JWT_CLOCK_TOLERANCE_SECONDS,
    },
  };
}
