// The worker process: runs the periodic jobs (src/jobs/jobs.ts) until SIGTERM/SIGINT, then stops
// cleanly (exit 0). Same configuration, logger and database connection as the server. `npm run
// worker` in development, `node dist/src/worker.js` when built. Any number may run beside any
// number of API processes: each job still runs once per period (src/jobs/periodic.ts). With
// WORKERS=external the API processes leave the jobs to workers (docs/OPERATIONS.md).
import closeWithGrace from 'close-with-grace';
import { pino, type LoggerOptions } from 'pino';
import type { Kysely } from 'kysely';
import { ConfigError, environment, loadConfig, type Config } from './config.js';
import { connect, databaseTarget, describeTarget } from './db/connect.js';
import { checkSchema } from './db/schema-check.js';
import type { Database } from './db/schema.js';
import { StartupError } from './errors.js';
import { backgroundJobs } from './jobs/jobs.js';
import { startPeriodicJobs } from './jobs/periodic.js';
import { loggerOptions } from './logger.js';

let config: Config;
try {
  config = loadConfig(environment(), { verifiesTokens: false });
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`todo-api worker: ${error.message}\n`);
  process.exit(1);
}

const log = pino(loggerOptions(config, undefined) as LoggerOptions);

/** A reason not to start (the schema, the embedded database's folder in use): one line, exit 1. */
function refuse(error: unknown): never {
  if (!(error instanceof StartupError)) throw error;
  process.stderr.write(`todo-api worker: ${error.message}\n`);
  process.exit(1);
}

const target = databaseTarget(config);
let db: Kysely<Database>;
try {
  db = connect(target, {
    onIdleError: (error) => log.warn({ err: error }, 'an idle database connection failed; the pool will reconnect'),
  }).db;
} catch (error) {
  refuse(error);
}
log.info(`database: ${describeTarget(target)}`);
try {
  await checkSchema(db, target, config.migrateOnStart, (line) => log.info(line));
} catch (error) {
  await db.destroy();
  refuse(error);
}

const jobs = backgroundJobs(db, log, config.jobs.periods);
// The timers between periods keep this process alive: it has nothing else to do.
const running = startPeriodicJobs(db, jobs, { log, keepAlive: true });
log.info({ jobs: jobs.map((j) => ({ name: j.name, periodMs: j.periodMs })) }, 'worker started');

closeWithGrace(
  {
    delay: config.shutdownTimeoutMs,
    logger: { error: (message: unknown) => log.error(String(message)) },
    onTimeout: (delay) => log.error(`shutdown did not finish within ${delay} ms; exiting with a job cut off`),
  },
  async ({ signal, err }) => {
    const started = Date.now();
    if (err) log.error({ err }, 'shutting down after an error');
    else log.info(`${signal}: shutting down; no new job runs, a running one finishes`);
    await running.stop();
    await db.destroy();
    log.info(`shut down in ${Date.now() - started} ms`);
  },
);
