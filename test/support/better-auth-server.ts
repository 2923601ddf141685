// A real Better Auth server (better-auth 1.7.25: jwt plugin with its defaults, email and password) on
// a random port, on its own in-memory PGlite database through Better Auth's Kysely support, with the
// schema Better Auth's own migrations create. For tests that need tokens exactly as Better Auth issues them.
// Each server's database starts from a data folder initialised once per process (PGlite's initdb
// is most of the cost of a new instance), with the compiled WebAssembly of test/support/templates.ts.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PGlite } from '@electric-sql/pglite';
import { PGliteDialect } from 'kysely-pglite-dialect';
import { betterAuth } from 'better-auth';
import { getMigrations } from 'better-auth/db/migration';
import { toNodeHandler } from 'better-auth/node';
import { createJwk, jwt, type JwtOptions } from 'better-auth/plugins/jwt';
import type { Test } from 'tap';
import { request } from './http.js';
import { emptyPGliteImage } from './templates.js';

/** A new, empty in-memory PGlite, without running initdb again. */
async function emptyDatabase(): Promise<PGlite> {
  const { dataDir, wasmModule, fsBundle } = await emptyPGliteImage();
  return new PGlite({ loadDataDir: dataDir, ...(wasmModule ? { pgliteWasmModule: wasmModule } : {}), ...(fsBundle ? { fsBundle } : {}) });
}

export interface BetterAuthServer {
  /** http://127.0.0.1:<port>: what BETTER_AUTH_URL points at. */
  readonly base: string;
  /** Signs a user up; returns the session cookie. */
  signUp(email: string): Promise<{ cookie: string; userId: string }>;
  /** GET /api/auth/token with the session: the jwt plugin's token. */
  token(cookie: string): Promise<string>;
  /** GET /api/auth/get-session with the session: the token Better Auth puts in the `set-auth-jwt` header. */
  sessionJwt(cookie: string): Promise<string>;
  /** A new signing key, made by the jwt plugin's own createJwk: Better Auth signs with it from now on. */
  rotate(): Promise<void>;
}

/** Starts a Better Auth server; `baseURL` decides what it is told its URL is (default: its own address). */
export async function startBetterAuth(
  t: Test,
  options: { baseURL?: (base: string) => string; jwt?: JwtOptions } = {},
): Promise<BetterAuthServer> {
  // The handler is made once Better Auth knows its URL, which needs the port: no request comes before.
  const server = createServer((req: IncomingMessage, res: ServerResponse) => void handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const pglite = await emptyDatabase();
  const jwtOptions = options.jwt ?? {};
  const auth = betterAuth({
    baseURL: options.baseURL ? options.baseURL(base) : base,
    secret: 'better-auth-test-secret-0123456789abcdef',
    database: { dialect: new PGliteDialect(pglite), type: 'postgres' },
    emailAndPassword: { enabled: true },
    plugins: [jwt(jwtOptions)],
    telemetry: { enabled: false },
    logger: { disabled: true },
  });
  const { runMigrations } = await getMigrations(auth.options);
  await runMigrations();
  const handle = toNodeHandler(auth);
  t.teardown(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await pglite.close();
  });

  const get = async (path: string, cookie: string) => {
    const res = await request(base, path, { headers: { cookie } });
    if (res.status !== 200) throw new Error(`Better Auth ${path} answered ${res.status}: ${res.body}`);
    return res;
  };
  return {
    base,
    async signUp(email) {
      const res = await request(base, '/api/auth/sign-up/email', {
        method: 'POST',
        headers: { origin: base },
        body: { email, password: 'correct horse battery staple', name: email.split('@')[0] },
      });
      if (res.status !== 200) throw new Error(`Better Auth sign-up answered ${res.status}: ${res.body}`);
      const body = res.json() as { user: { id: string } };
      const cookie = (res.headers['set-cookie'] ?? []).map((c) => c.split(';')[0]).join('; ');
      return { cookie, userId: body.user.id };
    },
    async token(cookie) {
      return ((await get('/api/auth/token', cookie)).json() as { token: string }).token;
    },
    async sessionJwt(cookie) {
      const header = (await get('/api/auth/get-session', cookie)).headers['set-auth-jwt'] as string | undefined;
      if (!header) throw new Error('no set-auth-jwt header on /api/auth/get-session');
      return header;
    },
    async rotate() {
      await createJwk({ context: await auth.$context } as never, jwtOptions);
    },
  };
}
