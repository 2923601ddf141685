// The two load generators behind one interface: wrk (the default; C, outside Node) and autocannon in
// its own Node process (scripts/bench/load-worker.ts), kept for cross-checks (--tool autocannon).
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { sleep, track } from './processes.js';
import type { BenchData, FromWorker, LoadResult, Scenario, ToWorker } from './shared.js';
import { ensureWrk, runWrk, writePlanFile } from './wrk.js';

export interface LoadGenerator {
  readonly name: string;
  /** The process doing the load while `load` runs (for CPU accounting), when it is a long-lived one. */
  readonly pid: number | undefined;
  load(port: number, scenario: Scenario, seconds: number): Promise<LoadResult>;
  close(): Promise<void>;
}

export function wrkGenerator(data: BenchData, options: { connections: number; threads: number; dir: string }): LoadGenerator {
  ensureWrk();
  const plans = new Map<Scenario, string>();
  return {
    name: `wrk (${options.threads} threads)`,
    pid: undefined,
    load: async (port, scenario, seconds) => {
      let planFile = plans.get(scenario);
      if (!planFile) plans.set(scenario, (planFile = writePlanFile(scenario, data, options.dir)));
      return runWrk({ port, planFile, scenario, connections: options.connections, threads: options.threads, seconds });
    },
    close: async () => {},
  };
}

export async function autocannonGenerator(data: BenchData, root: string, connections: number): Promise<LoadGenerator> {
  const child: ChildProcess = track(
    fork(path.join(root, 'scripts/bench/load-worker.ts'), [], {
      cwd: root,
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
  if ((await request({ type: 'init', data }, 30_000)).type !== 'ready') throw new Error('the load generator did not take the bench data');
  return {
    name: 'autocannon (one Node process)',
    pid: child.pid,
    load: async (port, scenario, seconds) => {
      const answer = await request({ type: 'load', port, scenario, connections, durationSeconds: seconds }, (seconds + 60) * 1000);
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
