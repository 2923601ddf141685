// The plugins' order rules are declared (fastify-plugin `dependencies`, `decorators`), not comments:
// registering a plugin before one it must follow fails at start-up, naming the missing plugin.
import t from 'tap';
import Fastify, { type FastifyInstance, type FastifyPluginCallback } from 'fastify';
import errors from '../../src/plugins/errors.js';
import unreadBody from '../../src/plugins/unread-body.js';
import drain from '../../src/plugins/drain.js';
import securityHeaders from '../../src/plugins/security-headers.js';
import docs, { DOCS_PREFIX } from '../../src/plugins/docs.js';
import loadShedding from '../../src/plugins/load-shedding.js';
import auth from '../../src/plugins/auth.js';
import contract from '../../src/plugins/contract.js';
import backgroundJobs from '../../src/plugins/background-jobs.js';
import { handlers } from '../../src/handlers.js';

type Registration = [plugin: FastifyPluginCallback<never>, options?: unknown];

/** Stands in for the database and counter-store plugins' decorations, so only the missing plugin is missing. */
async function decorated(app: FastifyInstance) {
  app.decorate('db', {} as never);
  app.decorate('counterStore', {} as never);
}

const cases: Array<{
  name: string;
  before: Registration[];
  setup?: (app: FastifyInstance) => Promise<void>;
  plugin: Registration;
  fails: RegExp;
}> = [
  { name: 'drain before unread-body', before: [], plugin: [drain, { idleGraceMs: 1000 }], fails: /dependency 'unread-body'/ },
  { name: 'docs before security-headers', before: [], plugin: [docs], fails: /dependency 'security-headers'/ },
  { name: 'load-shedding before errors', before: [], plugin: [loadShedding, { maxEventLoopDelayMs: 200 }], fails: /dependency 'errors'/ },
  {
    name: 'load-shedding before the database',
    before: [[errors]],
    plugin: [loadShedding, { maxEventLoopDelayMs: 200 }],
    fails: /dependency 'database'/,
  },
  {
    name: 'auth before errors',
    before: [],
    setup: decorated,
    plugin: [auth, { verifier: async () => ({}) }],
    fails: /dependency 'errors'/,
  },
  {
    name: 'auth before the database',
    before: [[errors]],
    plugin: [auth, { verifier: async () => ({}) }],
    fails: /'db' required by 'auth'/,
  },
  { name: 'contract before auth', before: [[errors]], plugin: [contract, { handlers }], fails: /'authenticate' required by 'contract'/ },
  {
    name: 'the background jobs before the database',
    before: [],
    plugin: [backgroundJobs, { periods: { idempotencySweepMs: 60_000 } }],
    fails: /'db' required by 'background-jobs'/,
  },
];

for (const { name, before, setup, plugin, fails } of cases) {
  t.test(`${name}: start-up fails`, async (t) => {
    const app = Fastify({ logger: false });
    t.teardown(() => app.close());
    await setup?.(app);
    for (const [p, options] of before) await app.register(p, options as never);
    await t.rejects(
      (async () => {
        await app.register(plugin[0], plugin[1] as never);
        await app.ready();
      })(),
      { message: fails },
    );
  });
}

t.test('in the right order they start (security-headers, then docs at DOCS_PREFIX)', async (t) => {
  const app = Fastify({ logger: false });
  t.teardown(() => app.close());
  await app.register(errors);
  await app.register(unreadBody);
  await app.register(drain, { idleGraceMs: 1000 });
  await app.register(securityHeaders, { docsPrefix: DOCS_PREFIX });
  await app.register(docs);
  await app.ready();
  const response = await app.inject({ method: 'GET', url: `${DOCS_PREFIX}/` });
  t.equal(response.statusCode, 200);
  t.match(response.headers['content-security-policy'], /script-src 'self'/, 'the docs CSP, by the one prefix');
});
