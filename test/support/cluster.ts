// The topology of scripts/cluster.sh for a test: HAProxy in front of N real `npm start` processes,
// on a fresh PostgreSQL database and a Redis key prefix of the test's own, on free ports, in a run
// directory of its own. Needs TEST_DATABASE_URL, haproxy and Redis; `clusterMissing()` says which is
// missing, for a loud skip.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import tap, { type Test } from 'tap';
import { freshDatabase, POSTGRES_URL, SECRET } from '../helper.js';
import { REDIS_URL, redisMissing, skipBanner, uniquePrefix } from './redis.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));
const script = `${root}scripts/cluster.sh`;

export async function clusterMissing(): Promise<string | undefined> {
  if (!POSTGRES_URL) return 'no TEST_DATABASE_URL (PostgreSQL) set';
  if (!['/usr/sbin/haproxy', '/usr/bin/haproxy', '/usr/local/sbin/haproxy'].some((p) => existsSync(p)))
    return 'haproxy is not installed (apt-get install -y haproxy)';
  return redisMissing();
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** True when the cluster can run; else the test file is skipped, loudly (one place for every cluster test). */
export async function clusterAvailable(): Promise<boolean> {
  const missing = await clusterMissing();
  if (!missing) return true;
  console.error(`!!! SKIPPED (cluster test needs PostgreSQL, haproxy and Redis): ${missing}`);
  tap.skip(skipBanner(missing), () => {});
  return false;
}

export interface Cluster {
  /** http://127.0.0.1:<HAProxy's port> */
  readonly base: string;
  /** The run directory (pids: server-<i>.pid is the server process of process i). */
  readonly dir: string;
  /** Runs `scripts/cluster.sh <args>` on this cluster; resolves with its output. */
  script(...args: string[]): Promise<string>;
}

/** Starts the cluster (the compiled server must exist: the test builds it) and stops it when the test ends. */
export async function startCluster(t: Test, processes: number, env: Record<string, string> = {}): Promise<Cluster> {
  const database = await freshDatabase(t);
  if (database.kind !== 'postgres') throw new Error('the cluster needs PostgreSQL');
  const { prefix, cleanUp } = uniquePrefix();
  const frontPort = await freePort();
  const appPorts: number[] = [];
  for (let i = 0; i < processes; i++) appPorts.push(await freePort());
  // Short: HAProxy's stats socket lives there, and a unix socket path has at most 107 bytes.
  const dir = mkdtempSync('/tmp/todo-cluster-');
  const clusterEnv = {
    ...process.env,
    CLUSTER_DIR: dir,
    CLUSTER_PORT: String(frontPort),
    CLUSTER_APP_PORTS: appPorts.join(','),
    DATABASE_URL: database.url,
    REDIS_URL,
    REDIS_KEY_PREFIX: prefix,
    BETTER_AUTH_SECRET: SECRET,
    // Under test here: the topology, not load shedding (a busy test machine must not shed these requests).
    OVERLOAD_MAX_EVENT_LOOP_DELAY_MS: '0',
    ...env,
  };
  const cluster: Cluster = {
    base: `http://127.0.0.1:${frontPort}`,
    dir,
    script: async (...args) => (await run(script, args, { cwd: root, env: clusterEnv, maxBuffer: 1 << 24 })).stdout,
  };
  t.teardown(async () => {
    await cluster.script('stop').catch(() => {});
    await cleanUp();
    rmSync(dir, { recursive: true, force: true });
  });
  await cluster.script('start');
  return cluster;
}
