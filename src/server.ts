// The process: reads configuration, builds the app, listens, and shuts down gracefully on signals.
import closeWithGrace from 'close-with-grace';
import { buildApp } from './app.js';
import { ConfigError, environment, loadConfig, type Config } from './config.js';
import { mintToken } from './auth/dev-token.js';
import { StartupError } from './errors.js';

const DEMO_USER = { sub: 'demo-user', email: 'demo@example.com' };

let config: Config;
try {
  config = loadConfig(environment(), { devSecret: true });
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`todo-api: ${error.message}\n`);
  process.exit(1);
}

let app: Awaited<ReturnType<typeof buildApp>>;
try {
  app = await buildApp(config);
  await app.ready();
} catch (error) {
  if (!(error instanceof StartupError)) throw error;
  process.stderr.write(`todo-api: ${error.message}\n`);
  process.exit(1);
}

// SIGTERM/SIGINT: stop accepting connections, let in-flight requests finish (each open connection
// gets `Connection: close`, src/plugins/drain.ts), then close the database pool and exit 0. Whatever
// is not done within SHUTDOWN_TIMEOUT_SECONDS is cut: exit 1. A second signal exits at once (1).
closeWithGrace(
  {
    delay: config.shutdownTimeoutMs,
    logger: { error: (message: unknown) => app.log.error(String(message)) },
    onTimeout: (delay) => app.log.error(`shutdown did not finish within ${delay} ms; exiting with in-flight work cut off`),
  },
  async ({ signal, err }) => {
    const started = Date.now();
    if (err) app.log.error({ err }, 'shutting down after an error');
    else app.log.info(`${signal}: shutting down; no new connections, in-flight requests finish`);
    // /ready answers 503 from now on; on SIGTERM (what orchestrators and balancer-managed restarts
    // send) the listener stays open DRAIN_DELAY_SECONDS so a balancer's health check takes this
    // process out of rotation before connections would be refused. SIGINT (Ctrl-C) closes at once.
    app.beginDrain();
    if (signal === 'SIGTERM' && config.drainDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, config.drainDelayMs));
    await app.close();
    app.log.info(`shut down in ${Date.now() - started} ms`);
  },
);

await app.listen({ host: config.host, port: config.port });

// Development without a configured secret: the one generated once and kept in the data folder.
const { devSecret } = config.auth;
if (devSecret) {
  app.log.warn(
    `no BETTER_AUTH_SECRET set: using the development secret ${devSecret.created ? 'just generated in' : 'kept in'} ${devSecret.file} (never do this in production)`,
  );
  const token = mintToken(config.auth.secret!, DEMO_USER);
  const address = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${app.server.address() && typeof app.server.address() === 'object' ? (app.server.address() as { port: number }).port : config.port}`;
  // Printed, not logged: logs never hold tokens.
  process.stdout.write(
    `\nDemo bearer token for user "${DEMO_USER.sub}" (valid 24 h):\n\n` +
      `  export TOKEN=${token}\n` +
      `  curl -s -H "Authorization: Bearer $TOKEN" ${address}/api/tasks\n` +
      `  curl -s -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' -d '{"title":"Try the API"}' ${address}/api/tasks\n\n` +
      `Docs: ${address}/docs   Contract: ${address}/openapi.yaml\n\n`,
  );
}
