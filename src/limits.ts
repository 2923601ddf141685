// The fixed limits, timeouts, cache sizes and intervals of the process, each with its reason.
// What an operator tunes per deployment is configuration (src/config.ts, .env.example); these are
// the values the code is built and tested around, gathered so a reader sees them side by side.

// --- HTTP -------------------------------------------------------------------------------------

/** Node's default, explicit: larger request headers (e.g. a huge token) get 431 before any code runs. */
export const MAX_HEADER_SIZE = 16 * 1024;

/** How often Node checks connections against the headers and request timeouts (its default, 30 s, would let a slow client overstay). */
export const TIMEOUT_CHECK_INTERVAL_MS = 1_000;

/** The router's limit on one path parameter: user ids may be 255 characters (checked with 422), the router's default of 100 would answer them 414. */
export const MAX_PARAM_LENGTH = 1024;

/** How much of an unread body is read and discarded after an early answer before the connection is cut: closing under a sending client resets it. */
export const UNREAD_BODY_DRAIN_BYTES = 8 * 1024 * 1024;

/** After the HTTP parser's error answer, the socket is kept this long (reading nothing) so the client reads the answer before it is destroyed. */
export const CLIENT_ERROR_LINGER_MS = 2_000;

/** While shutting down, connections idle this long are closed (at most a quarter of the shutdown timeout, so a short one still drains). */
export const DRAIN_IDLE_GRACE_MS = 1_000;

/** Seconds a client should wait after a 503 before retrying: about how long a restart or a pool's queue takes to clear. */
export const RETRY_AFTER_SECONDS = 2;

/** How often the event-loop delay is sampled for load shedding (@fastify/under-pressure's default). */
export const OVERLOAD_SAMPLE_INTERVAL_MS = 1_000;

/** Fastify's bound on each plugin's start: opening the embedded database (WebAssembly, extensions, migrations) takes seconds, over the default 10 s on a busy machine. */
export const PLUGIN_TIMEOUT_MS = 60_000;

// --- Authentication ---------------------------------------------------------------------------

/** Verified tokens kept, by fast-jwt for its failures and by verified-tokens.ts for successes: enough for a busy process's active users. */
export const VERIFIED_TOKEN_CACHE_SIZE = 10_000;

/** fast-jwt's default cacheTTL: how long a verification result is trusted at most (a key removed from the JWKS stops being trusted then). */
export const VERIFIED_TOKEN_CACHE_TTL_MS = 600_000;

/** A token with an unknown `kid` waits at most this long for the JWKS fetch that may bring its key. */
export const JWKS_MAX_WAIT_MS = 2_000;

/** A JWKS fetch that takes longer fails; the known keys stay in use. */
export const JWKS_FETCH_TIMEOUT_MS = 3_000;

/** (subject, email) pairs a process remembers as recorded, so a known user costs no write per request. */
export const USER_RECORDER_CAPACITY = 50_000;

// --- Database ---------------------------------------------------------------------------------

/** The bound on every query the app sends (pg's client-side query_timeout; docs/OPERATIONS.md, timeouts). */
export const QUERY_TIMEOUT_MS = 15_000;

/** A PostgreSQL connection that does not open within this fails, so clients get a 503 instead of a hang. */
export const DB_CONNECT_TIMEOUT_MS = 2_000;

/** Pooled connections idle this long are closed (pg's default; the pool grows back on demand). */
export const DB_IDLE_TIMEOUT_MS = 30_000;

/** Distinct query shapes cached per query; past that, further shapes are built and compiled per call. */
export const MAX_QUERY_SHAPES = 500;

/** Distinct SQL texts given a prepared-statement name; past that, further ones are sent unnamed. */
export const MAX_PREPARED_STATEMENT_NAMES = 1_000;

// --- Redis (per-client counters) --------------------------------------------------------------

/** A command to Redis that takes longer than this fails (and the request is not counted: fail open). */
export const REDIS_COMMAND_TIMEOUT_MS = 250;

/** A TCP connection attempt that takes longer fails, and is retried (ioredis clears it once connected). */
export const REDIS_CONNECT_TIMEOUT_MS = 1_000;

/** Reconnection back-off: 100 ms, 200 ms, … at most this long between attempts. */
export const REDIS_MAX_RECONNECT_DELAY_MS = 1_000;
/**
 * Start-up waits at most this long for Redis's first answer, on a timer of its own: ioredis's
 * connectTimeout ends at the TCP connection, so a Redis that accepts and never answers would
 * otherwise hold start-up until it answers.
 */
export const REDIS_START_WAIT_MS = 1_000;

/** While Redis is failing, it is probed (PING) this often, so its recovery is seen without traffic. */
export const REDIS_PROBE_INTERVAL_MS = 1_000;

// --- Idempotency keys -------------------------------------------------------------------------

/** Keys are kept this long (the draft's suggested 24 hours). */
export const IDEMPOTENCY_KEY_TTL_HOURS = 24;

/** Expired keys deleted per statement: short transactions, each through the expires_at index. */
export const IDEMPOTENCY_SWEEP_BATCH_SIZE = 1_000;

/** Batches per sweep at most, so a backlog is worked off over several periods. */
export const IDEMPOTENCY_SWEEP_MAX_BATCHES = 10;

// --- Periodic jobs (src/jobs/periodic.ts) -----------------------------------------------------

/** At shutdown a running job is told to stop and awaited this long at most, well within SHUTDOWN_TIMEOUT_SECONDS' default 10 s. */
export const JOB_STOP_WAIT_MS = 5_000;

/** Processes claim each period up to this long (at most a tenth of the period) after it begins, so they do not all collide at once. */
export const JOB_CLAIM_JITTER_MS = 250;

/** job_runs keeps this many periods of each job (a day of a one-minute job), then forgets them. */
export const JOB_RUN_HISTORY_PERIODS = 1_440;
