import t from 'tap';
import { ConfigError, environment, loadConfig } from '../src/config.js';

t.test('defaults', async (t) => {
  const config = loadConfig({});
  t.equal(config.nodeEnv, 'development');
  t.equal(config.port, 8000);
  t.equal(config.host, '127.0.0.1');
  t.equal(config.dataDir, '.data');
  t.equal(config.databaseUrl, undefined, 'no DATABASE_URL: the embedded database');
  t.equal(config.migrateOnStart, true);
  t.same(config.corsOrigins, []);
  t.equal(config.auth.secret, undefined);
});

t.test('values are parsed and validated', async (t) => {
  const config = loadConfig({
    PORT: '9000',
    DATABASE_URL: 'postgresql://u:p@ep-x.neon.tech/db?sslmode=require&channel_binding=require',
    CORS_ORIGINS: 'https://app.example.com, http://localhost:3000',
    MIGRATE_ON_START: 'false',
    BETTER_AUTH_SECRET: 's3cret',
    DATA_DIR: '',
  });
  t.equal(config.port, 9000);
  t.equal(config.databaseUrl, 'postgresql://u:p@ep-x.neon.tech/db?sslmode=require&channel_binding=require');
  t.same(config.corsOrigins, ['https://app.example.com', 'http://localhost:3000']);
  t.equal(config.migrateOnStart, false);
  t.equal(config.dataDir, '.data', 'an empty value means unset');
});

t.test('bad values are refused with a one-line reason', async (t) => {
  for (const env of [
    { PORT: 'eighty' },
    { PORT: '70000' },
    { DATABASE_URL: 'mysql://x' },
    { LOG_LEVEL: 'loud' },
    { NODE_ENV: 'staging' },
  ]) {
    t.throws(() => loadConfig(env), ConfigError, JSON.stringify(env));
  }
  const error = t.throws(() => loadConfig({ PORT: 'eighty' })) as Error;
  t.notMatch(error.message, /\n/, 'one line');
});

t.test('production refuses to start without a secret', async (t) => {
  t.throws(() => loadConfig({ NODE_ENV: 'production' }), { name: 'ConfigError', message: /BETTER_AUTH_SECRET/ });
  t.equal(loadConfig({ NODE_ENV: 'production', BETTER_AUTH_SECRET: 'x'.repeat(32) }).nodeEnv, 'production');
});

t.test('only the given variables are read: empty ones are unset even when process.env holds them', async (t) => {
  const saved = { ...process.env };
  t.teardown(() => {
    for (const key of ['DATABASE_URL', 'MIGRATE_ON_START', 'NODE_ENV', 'PORT']) delete process.env[key];
    Object.assign(process.env, saved);
  });
  // What process.loadEnvFile('.env.example') would leave in process.env: loadConfig() must not read it.
  Object.assign(process.env, { DATABASE_URL: '', MIGRATE_ON_START: '', NODE_ENV: '', PORT: 'not-a-port' });
  const config = loadConfig({ DATABASE_URL: '', MIGRATE_ON_START: '', NODE_ENV: '' });
  t.equal(config.databaseUrl, undefined);
  t.equal(config.migrateOnStart, true);
  t.equal(config.nodeEnv, 'development', 'NODE_ENV= (empty) is development');
  t.equal(config.port, 8000, "process.env is not read behind the caller's back");
});

t.test('environment(): the .env file under the process environment; empty values unset on both sides', async (t) => {
  const { writeFileSync } = await import('node:fs');
  const dir = t.testdir();
  const file = `${dir}/.env`;
  writeFileSync(file, 'PORT=8000\nNODE_ENV=production\nDATABASE_URL=\nHOST=127.0.0.1\n');
  const env = environment({ PORT: '0', NODE_ENV: '', DATABASE_URL: '', LOG_LEVEL: 'warn' }, file);
  t.same(env, { PORT: '0', NODE_ENV: 'production', HOST: '127.0.0.1', LOG_LEVEL: 'warn' });
  t.same(environment({ PORT: '1' }, `${dir}/absent.env`), { PORT: '1' }, 'no file: the process environment alone');
});

t.test('.env.example documents every variable and loads as it is', async (t) => {
  const { readFileSync } = await import('node:fs');
  const { parseEnv } = await import('node:util');
  const text = readFileSync(new URL('../.env.example', import.meta.url), 'utf8');
  const env = parseEnv(text) as Record<string, string>;
  const source = readFileSync(new URL('../src/config.ts', import.meta.url), 'utf8');
  const schemaKeys = [...source.matchAll(/^\s{4}([A-Z_]+): \{ type:/gm)].map((m) => m[1]);
  t.ok(schemaKeys.length >= 10, 'found the schema keys');
  t.same(Object.keys(env).sort(), [...schemaKeys].sort(), 'the same variables in .env.example and src/config.ts');
  t.doesNotThrow(() => loadConfig(env));
});

t.test('production: a short secret refuses; a JWKS alone is enough; algorithms are an asymmetric allow-list', async (t) => {
  t.throws(() => loadConfig({ NODE_ENV: 'production', BETTER_AUTH_SECRET: 'x'.repeat(31) }), {
    name: 'ConfigError',
    message: /shorter than 32 bytes/,
  });
  const jwksOnly = loadConfig({ NODE_ENV: 'production', BETTER_AUTH_URL: 'https://auth.example.com/' });
  t.equal(jwksOnly.auth.jwksUrl, 'https://auth.example.com/api/auth/jwks');
  t.same(jwksOnly.auth.jwksAlgorithms, ['EdDSA', 'ES256', 'ES512', 'PS256', 'RS256']);
  t.equal(jwksOnly.migrateOnStart, false, 'migrations are a deliberate step in production');
  t.equal(loadConfig({ JWKS_URL: 'http://127.0.0.1:3000/keys' }).auth.jwksUrl, 'http://127.0.0.1:3000/keys');
  for (const algorithms of ['HS256', 'EdDSA,none']) {
    t.throws(() => loadConfig({ JWT_ALGORITHMS: algorithms }), { name: 'ConfigError' }, algorithms);
  }
  t.equal(loadConfig({ AUTH_RATE_LIMIT_MAX: '0' }).authRateLimit, null, '0 turns the auth-failure limit off');
});

t.test('BETTER_AUTH_URL is normalised as Better Auth does: iss/aud are its origin; the JWKS is under its path or /api/auth', async (t) => {
  const cases: Array<[string, string, string]> = [
    ['http://host:3000/', 'http://host:3000', 'http://host:3000/api/auth/jwks'],
    ['http://host:3000', 'http://host:3000', 'http://host:3000/api/auth/jwks'],
    ['http://host:3000//', 'http://host:3000', 'http://host:3000/api/auth/jwks'],
    ['https://Auth.Example.com:443/', 'https://auth.example.com', 'https://Auth.Example.com:443/api/auth/jwks'],
    ['https://example.com/api/auth/', 'https://example.com', 'https://example.com/api/auth/jwks'],
    ['https://example.com/auth', 'https://example.com', 'https://example.com/auth/jwks'],
  ];
  for (const [url, origin, jwks] of cases) {
    const { auth } = loadConfig({ BETTER_AUTH_URL: url });
    t.equal(auth.betterAuthUrl, origin, `${url}: iss/aud`);
    t.equal(auth.jwksUrl, jwks, `${url}: JWKS`);
  }
  t.throws(() => loadConfig({ BETTER_AUTH_URL: 'http://' }), { name: 'ConfigError', message: /BETTER_AUTH_URL must be a URL/ });
  t.equal(loadConfig({}).auth.jwksCooldownSeconds, 1, 'JWKS refetch at most once a second by default');
});

t.test(
  'the development secret is part of loading: generated once into DATA_DIR, never in production, never over a configured one',
  async (t) => {
    const { readFileSync } = await import('node:fs');
    const dir = t.testdir();
    const first = loadConfig({ DATA_DIR: dir }, { devSecret: true });
    t.ok(first.auth.secret && first.auth.secret.length >= 32, 'a generated secret');
    t.same(first.auth.devSecret, { file: `${dir}/dev-secret`, created: true });
    t.equal(readFileSync(`${dir}/dev-secret`, 'utf8').trim(), first.auth.secret, 'kept in the data folder');
    const second = loadConfig({ DATA_DIR: dir }, { devSecret: true });
    t.equal(second.auth.secret, first.auth.secret, 'the same secret on the next start');
    t.same(second.auth.devSecret, { file: `${dir}/dev-secret`, created: false });

    const configured = loadConfig({ DATA_DIR: dir, BETTER_AUTH_SECRET: 's3cret' }, { devSecret: true });
    t.equal(configured.auth.secret, 's3cret');
    t.equal(configured.auth.devSecret, undefined);
    t.equal(loadConfig({ DATA_DIR: dir }).auth.secret, undefined, 'only when asked for');
    const jwksOnly = loadConfig(
      { NODE_ENV: 'production', DATA_DIR: dir, BETTER_AUTH_URL: 'https://auth.example.com' },
      { devSecret: true },
    );
    t.equal(jwksOnly.auth.secret, undefined, 'production never uses a development secret');
    t.throws(() => loadConfig({ NODE_ENV: 'production', DATA_DIR: dir }, { devSecret: true }), { name: 'ConfigError' });
  },
);

t.test('processes that verify no tokens (worker, migrations) load production configuration without a secret', async (t) => {
  const config = loadConfig({ NODE_ENV: 'production', DATABASE_URL: 'postgres://db/app' }, { verifiesTokens: false });
  t.equal(config.auth.secret, undefined);
  t.equal(config.auth.jwksUrl, undefined);
  t.throws(
    () => loadConfig({ NODE_ENV: 'production', DATABASE_URL: 'postgres://db/app' }),
    { name: 'ConfigError' },
    'the API process still refuses',
  );
});

t.test('WORKERS: embedded by default; external needs PostgreSQL; the sweep period in seconds', async (t) => {
  const defaults = loadConfig({});
  t.equal(defaults.jobs.workers, 'embedded', 'npm start alone runs the jobs');
  t.equal(defaults.jobs.periods.idempotencySweepMs, 60_000);
  t.equal(loadConfig({ DATABASE_URL: 'postgres://db/app' }).jobs.workers, 'embedded', 'on PostgreSQL too');
  const external = loadConfig({ DATABASE_URL: 'postgres://db/app', WORKERS: 'external', IDEMPOTENCY_SWEEP_INTERVAL_SECONDS: '0.5' });
  t.equal(external.jobs.workers, 'external');
  t.equal(external.jobs.periods.idempotencySweepMs, 500);
  t.throws(() => loadConfig({ WORKERS: 'external' }), { name: 'ConfigError', message: /WORKERS=external needs DATABASE_URL/ });
  t.throws(() => loadConfig({ WORKERS: 'sometimes' }), { name: 'ConfigError' });
});
