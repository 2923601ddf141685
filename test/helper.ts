// Test helpers: build the app on a real database, mint tokens, and send requests whose every
// response is checked against openapi.yaml (status declared, body matching the schema).
//
// Database: PGlite in memory by default; when TEST_DATABASE_URL is set, a PostgreSQL database of
// the test's own. build() starts from a copy of a database migrated once (test/support/templates.ts),
// reused by the test file's apps and emptied and checked in between (test/support/reused-pglite.ts,
// reused-postgres.ts); migratedDatabase() is a new copy, freshDatabase() an empty database.
//
// The PostgreSQL target (TEST_DATABASE_URL, the admin URL, pooling) is test/support/postgres.ts's.
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { OpenAPIBackend, type Document } from 'openapi-backend';
import addFormats from 'ajv-formats';
import type { Test } from 'tap';
import { buildApp } from '../src/app.js';
import { loadConfig, type Config } from '../src/config.js';
import type { DatabaseTarget } from '../src/db/connect.js';
import { openapiDocument } from '../generated/document.js';
import { emptyPGliteImage, initialisedDataDir, migratedPGliteImage } from './support/templates.js';
import { lendPGlite } from './support/reused-pglite.js';
import { lentPostgresDatabase, migratedPostgresDatabase, newPostgresDatabase, POSTGRES_URL } from './support/postgres.js';
import { SECRET, tokenFor } from './support/tokens.js';

export { FORGED_AUTHORIZATION, SECRET, tokenFor } from './support/tokens.js';

export { admin, ADMIN_URL, DATABASE_KIND, POOLED, POSTGRES_URL } from './support/postgres.js';

export function testConfig(env: Record<string, string> = {}): Config {
  // Load shedding is off unless a test turns it on: a busy test machine must not turn functional tests' answers into 503s.
  return loadConfig({ NODE_ENV: 'test', BETTER_AUTH_SECRET: SECRET, LOG_LEVEL: 'silent', OVERLOAD_MAX_EVENT_LOOP_DELAY_MS: '0', ...env });
}

/** A fresh, empty database for one test: a new PostgreSQL database, or PGlite in memory. */
export async function freshDatabase(t: Test): Promise<DatabaseTarget> {
  if (!POSTGRES_URL) return { kind: 'pglite', dataDir: undefined, image: await emptyPGliteImage() };
  return newPostgresDatabase(t);
}

/** The same database across restarts: a fresh PostgreSQL database, or PGlite on disk in a test folder (initialised, not migrated). */
export async function fileDatabase(t: Test): Promise<DatabaseTarget> {
  if (POSTGRES_URL) return freshDatabase(t);
  return { kind: 'pglite', dataDir: await initialisedDataDir(t.testdir()) };
}

/** A fresh database with every migration applied: a copy of a template migrated once (fast), not an empty one. */
export async function migratedDatabase(t: Test): Promise<DatabaseTarget> {
  if (!POSTGRES_URL) return { kind: 'pglite', dataDir: undefined, image: await migratedPGliteImage() };
  return migratedPostgresDatabase(t);
}

/** build()'s database: a reused PGlite instance or PostgreSQL database, as migrated (see build()). */
async function reusedDatabase(): Promise<{ database: DatabaseTarget; giveBack: () => Promise<void> }> {
  if (!POSTGRES_URL) {
    const lent = await lendPGlite(await migratedPGliteImage());
    return { database: { kind: 'pglite', dataDir: undefined, lent }, giveBack: () => lent.giveBack() };
  }
  return lentPostgresDatabase();
}

export interface BuildOptions {
  env?: Record<string, string>;
  database?: DatabaseTarget;
}

/**
 * Builds the app on a fresh migrated database (or the given one) and closes it when the test ends.
 * The fresh database is one reused across the test file's apps, emptied and checked to be exactly
 * as migrated in between (test/support/reused-pglite.ts, reused-postgres.ts): a new PGlite
 * instance, or CREATE and DROP DATABASE, per app would be most of the suite's time.
 */
export async function build(t: Test, options: BuildOptions = {}): Promise<FastifyInstance> {
  const reused = options.database ? undefined : await reusedDatabase();
  let app: FastifyInstance;
  try {
    app = await buildApp(testConfig(options.env), { database: options.database ?? reused!.database, logger: false });
  } catch (error) {
    await reused?.giveBack();
    throw error;
  }
  t.teardown(async () => {
    await app.close();
    await reused?.giveBack();
  });
  await app.ready();
  return app;
}

// The contract, loaded by openapi-backend to check responses.
const contract = new OpenAPIBackend({
  definition: structuredClone(openapiDocument) as Document,
  quick: true,
  customizeAjv: (ajv) => {
    addFormats.default(ajv);
    return ajv;
  },
});
const contractReady = contract.init();

export interface CallOptions {
  method: InjectOptions['method'];
  url: string;
  /** A user id (a token is minted for it) or a raw Authorization header value. */
  as?: string;
  authorization?: string;
  body?: unknown;
  payload?: string;
  headers?: Record<string, string>;
}

/** Sends a request and fails unless the response is one openapi.yaml declares for the operation. */
export async function call(app: FastifyInstance, options: CallOptions): Promise<LightMyRequestResponse> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.as !== undefined) headers.authorization = `Bearer ${tokenFor(options.as)}`;
  if (options.authorization !== undefined) headers.authorization = options.authorization;
  let payload: string | undefined = options.payload;
  if (options.body !== undefined) {
    payload = JSON.stringify(options.body);
    headers['content-type'] ??= 'application/json';
  }
  const response = await app.inject({ method: options.method, url: options.url, headers, ...(payload !== undefined ? { payload } : {}) });
  await assertMatchesContract(options.method ?? 'GET', options.url, response);
  return response;
}

/** What the contract check reads of a response: an injected one, or one read off a socket (test/support/raw-http.ts). */
export interface CheckedResponse {
  statusCode: number;
  headers: Record<string, unknown>;
  body: string;
  json(): unknown;
}

export async function assertMatchesContract(method: string, url: string, response: CheckedResponse): Promise<void> {
  await contractReady;
  const [path = '', query = ''] = url.split('?');
  const operation = contract.matchOperation({ method, path, headers: {}, query });
  const status = response.statusCode;
  const where = `${method} ${url} → ${status}`;
  // Not an operation of the contract, or its 405 (x-method-not-allowed: every path, no operation
  // declares it): the answer must be the Error shape all the same.
  if (!operation || status === 405) {
    if (status >= 400 && response.body !== '') checkBody(contract.validateResponse(response.json(), 'getTask', 404), where, 'Error shape');
    if (status === 405 && !response.headers.allow) throw new Error(`${where}: a 405 must carry Allow`);
    return;
  }
  const declared = (operation.responses ?? {})[String(status)] as { content?: object } | undefined;
  if (!declared) throw new Error(`${where}: status ${status} is not declared for ${operation.operationId}`);
  if (!declared.content) {
    if (response.body !== '') throw new Error(`${where}: expected no body, got ${response.body.slice(0, 200)}`);
    return;
  }
  if (!String(response.headers['content-type']).startsWith('application/json')) {
    throw new Error(`${where}: content-type ${String(response.headers['content-type'])} is not application/json`);
  }
  checkBody(contract.validateResponse(response.json(), operation, status), where, operation.operationId ?? '');
  if (status === 401 && !String(response.headers['www-authenticate'] ?? '').startsWith('Bearer')) {
    throw new Error(`${where}: a 401 must carry WWW-Authenticate: Bearer`);
  }
  if (status === 503 && !response.headers['retry-after']) throw new Error(`${where}: a 503 must carry Retry-After`);
  if (status === 201 && !response.headers.location) throw new Error(`${where}: a 201 must carry Location`);
}

function checkBody(result: { valid: boolean; errors?: unknown }, where: string, what: string): void {
  if (!result.valid) throw new Error(`${where}: body does not match ${what}: ${JSON.stringify(result.errors)}`);
}

/** How many tasks `user` has, read straight from the database (not through the API under test). */
export async function countTasks(app: FastifyInstance, user: string): Promise<number> {
  const row = await app.db
    .selectFrom('tasks')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('user_id', '=', user)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
