// The load generator: wrk (C, from Debian), driven by scripts/bench/wrk-plan.lua. Installed with apt
// when missing, as .ci/run does for pgbouncer. Its CPU time comes from the shell's `times` after it exits.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { log, run } from './processes.js';
import { planFor, type BenchData, type LoadResult, type Scenario } from './shared.js';

const LUA = fileURLToPath(new URL('./wrk-plan.lua', import.meta.url));

function haveWrk(): boolean {
  try {
    execFileSync('wrk', ['--version'], { stdio: 'ignore' });
    return true;
  } catch (error) {
    // wrk --version prints its usage and exits 1: it is there.
    return (error as { status?: number }).status === 1;
  }
}

export function ensureWrk(): void {
  if (haveWrk()) return;
  log('wrk is missing: installing it (apt-get install wrk)…');
  try {
    execFileSync('sh', ['-c', 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk'], { stdio: 'ignore' });
  } catch {
    // reported below
  }
  if (!haveWrk()) throw new Error('wrk is not installed and apt-get could not install it; install wrk, or run with --tool autocannon');
}

/** Writes the scenario's plan for the Lua script: one request a line, tab-separated. */
export function writePlanFile(scenario: Scenario, data: BenchData, dir: string): string {
  const lines = planFor(scenario, data).map((r) =>
    [r.method, r.path, r.headers.authorization, r.headers['x-user'], r.headers['content-type'] ?? '', r.body ?? ''].join('\t'),
  );
  const file = path.join(dir, `plan-${scenario}.tsv`);
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

interface WrkJson {
  requests: number;
  duration_us: number;
  connect: number;
  read: number;
  write: number;
  status: number;
  timeout: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

/** `times` prints the shell's own and then its children's user/system times, e.g. "0m1.234s 0m0.567s". */
function childCpuSeconds(output: string): number {
  const lines = output
    .trim()
    .split('\n')
    .filter((l) => /^\d+m[\d.]+s \d+m[\d.]+s$/.test(l));
  const last = lines.at(-1);
  if (!last) return Number.NaN;
  return last.split(' ').reduce((sum, t) => {
    const [, m, s] = /^(\d+)m([\d.]+)s$/.exec(t)!;
    return sum + Number(m) * 60 + Number(s);
  }, 0);
}

export async function runWrk(options: {
  port: number;
  planFile: string;
  scenario: Scenario;
  connections: number;
  threads: number;
  seconds: number;
}): Promise<LoadResult> {
  const args = [
    '-t',
    String(options.threads),
    '-c',
    String(options.connections),
    '-d',
    `${options.seconds}s`,
    '--timeout',
    '10s',
    '-s',
    LUA,
    `http://127.0.0.1:${options.port}`,
    '--',
    options.planFile,
  ];
  const output = await run('bash', ['-c', 'wrk "$@" && times', 'wrk', ...args], process.cwd());
  const line = output.split('\n').find((l) => l.startsWith('BENCH_JSON '));
  if (!line) throw new Error(`wrk printed no result:\n${output.slice(-2000)}`);
  const r = JSON.parse(line.slice('BENCH_JSON '.length)) as WrkJson;
  const seconds = r.duration_us / 1e6;
  const errors = r.connect + r.read + r.write;
  return {
    scenario: options.scenario,
    seconds,
    responses: r.requests,
    rps: r.requests / seconds,
    p50: r.p50 / 1000,
    p95: r.p95 / 1000,
    p99: r.p99 / 1000,
    max: r.max / 1000,
    mean: r.mean / 1000,
    errors,
    timeouts: r.timeout,
    // wrk counts answers with a status of 400 or more; there are no 3xx in these scenarios.
    non2xx: r.status,
    statusCodes: {},
    loadGeneratorCpu: childCpuSeconds(output) / seconds,
  };
}
