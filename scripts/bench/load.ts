// The two load generators behind one interface: wrk (C, outside Node; driven by wrk-plan.lua, its CPU
// time from the shell's `times`; installed with apt when missing, as .ci/run does for pgbouncer) and
// autocannon in its own Node process (load-worker.ts), the second opinion. Both replay the same plans.
import { execFileSync, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { FromWorker, ToWorker } from './load-worker.js';
import type { Tool } from './options.js';
import type { LoadResult, Scenario } from './plans.js';
import { log, run, sleep, track } from './processes.js';

export interface LoadGenerator {
  readonly name: string;
  load(port: number, scenario: Scenario, seconds: number): Promise<LoadResult>;
  close(): Promise<void>;
}

export interface LoadSettings {
  connections: number;
  threads: number;
  /** Each scenario's plan file (plans.ts, writePlan). */
  plans: ReadonlyMap<Scenario, string>;
}

export const loadGenerator = (tool: Tool, settings: LoadSettings): Promise<LoadGenerator> =>
  tool === 'wrk' ? Promise.resolve(wrk(settings)) : autocannon(settings);

function haveWrk(): boolean {
  try {
    execFileSync('wrk', ['--version'], { stdio: 'ignore' });
    return true;
  } catch (error) {
    return (error as { status?: number }).status === 1; // wrk --version prints its usage and exits 1
  }
}

function wrk({ connections, threads, plans }: LoadSettings): LoadGenerator {
  if (!haveWrk()) {
    log('wrk is missing: installing it (apt-get install wrk)…');
    try {
      execFileSync('sh', ['-c', 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk'], { stdio: 'ignore' });
    } catch {
      // reported below
    }
    if (!haveWrk()) throw new Error('wrk is not installed and apt-get could not install it; install wrk, or run with --tools autocannon');
  }
  const lua = fileURLToPath(new URL('./wrk-plan.lua', import.meta.url));
  return {
    name: `wrk (${threads} threads)`,
    load: async (port, scenario, seconds) => {
      const args = ['-t', String(threads), '-c', String(connections), '-d', `${seconds}s`, '--timeout', '10s', '-s', lua];
      const url = `http://127.0.0.1:${port}`;
      const output = await run('bash', ['-c', 'wrk "$@" && times', 'wrk', ...args, url, '--', plans.get(scenario)!], process.cwd());
      const line = output.split('\n').find((l) => l.startsWith('BENCH_JSON '));
      if (!line) throw new Error(`wrk printed no result:\n${output.slice(-2000)}`);
      const r = JSON.parse(line.slice('BENCH_JSON '.length)) as Record<string, number>;
      const elapsed = r.duration_us! / 1e6;
      // `times` prints the shell's user/system times, then its children's (wrk's): "0m1.234s 0m0.567s".
      const cpu = [...(output.trim().split('\n').at(-1) ?? '').matchAll(/(\d+)m([\d.]+)s/g)].reduce((s, m) => s + +m[1]! * 60 + +m[2]!, 0);
      return {
        scenario,
        seconds: elapsed,
        responses: r.requests!,
        rps: r.requests! / elapsed,
        p50: r.p50! / 1000,
        p95: r.p95! / 1000,
        p99: r.p99! / 1000,
        errors: r.connect! + r.read! + r.write!,
        timeouts: r.timeout!,
        non2xx: r.status!, // wrk counts answers of 400 or more; these plans have no 3xx
        loadGeneratorCpu: cpu / elapsed,
      };
    },
    close: async () => {},
  };
}

async function autocannon({ connections, plans }: LoadSettings): Promise<LoadGenerator> {
  const child = track(
    fork(fileURLToPath(new URL('./load-worker.ts', import.meta.url)), [], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    }),
  );
  const waiting: ((m: FromWorker) => void)[] = [];
  child.on('message', (m: FromWorker) => waiting.shift()?.(m));
  const next = (timeoutMs: number): Promise<FromWorker> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the load generator did not answer within ${timeoutMs / 1000} s`)), timeoutMs);
      const onExit = (code: number | null) => reject(new Error(`the load generator exited (${code})`));
      child.once('exit', onExit);
      waiting.push((m) => {
        clearTimeout(timer);
        child.off('exit', onExit);
        resolve(m);
      });
    });
  const request = (message: ToWorker, timeoutMs: number): Promise<FromWorker> => {
    const answer = next(timeoutMs);
    child.send(message);
    return answer;
  };
  if ((await next(30_000)).type !== 'ready') throw new Error('the load generator did not start');
  return {
    name: 'autocannon (one Node process)',
    load: async (port, scenario, seconds) => {
      const answer = await request(
        { type: 'load', port, planFile: plans.get(scenario)!, scenario, connections, seconds },
        (seconds + 60) * 1000,
      );
      if (answer.type === 'failed') throw new Error(`load ${scenario} failed: ${answer.message}`);
      if (answer.type !== 'result') throw new Error(`unexpected answer from the load generator: ${answer.type}`);
      return answer.result;
    },
    close: async () => {
      if (!child.connected) return;
      child.send({ type: 'exit' } satisfies ToWorker);
      await Promise.race([new Promise((r) => child.once('exit', r)), sleep(2_000)]);
    },
  };
}
