// autocannon in its own process (forked by load.ts, with an IPC channel), so the server under test
// never shares an event loop with it. Each `load` message replays a plan file (one request a line,
// as wrk-plan.lua reads it) from one cursor shared by all connections, so consecutive requests go to
// different users, and answers the figures of that load.
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';
import { percentile, type LoadResult, type Scenario } from './plans.js';

export type ToWorker =
  { type: 'load'; port: number; planFile: string; scenario: Scenario; connections: number; seconds: number } | { type: 'exit' };
export type FromWorker = { type: 'ready' } | { type: 'result'; result: LoadResult } | { type: 'failed'; message: string };

async function load(request: Extract<ToWorker, { type: 'load' }>): Promise<LoadResult> {
  const requests = readFileSync(request.planFile, 'utf8')
    .trimEnd()
    .split('\n')
    .map((line) => {
      const [method, path, authorization, user, contentType, body] = line.split('\t');
      const headers = { authorization: authorization!, 'x-user': user!, ...(contentType ? { 'content-type': contentType } : {}) };
      return { method: method as 'GET', path: path!, headers, ...(body ? { body } : {}) };
    });
  let cursor = 0;
  const latencies: number[] = [];
  const cpuBefore = process.cpuUsage();
  const started = process.hrtime.bigint();
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: `http://127.0.0.1:${request.port}`,
        connections: request.connections,
        duration: request.seconds,
        timeout: 10,
        requests: [{ setupRequest: (req) => ({ ...req, ...requests[cursor++ % requests.length]! }) }],
      },
      (error: unknown, res: autocannon.Result) =>
        error ? reject(error instanceof Error ? error : new Error(String(error))) : resolve(res),
    );
    instance.on('response', (_client: unknown, _status: number, _bytes: number, responseTime: number) => latencies.push(responseTime));
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const cpu = process.cpuUsage(cpuBefore);
  const sorted = Float64Array.from(latencies).sort();
  return {
    scenario: request.scenario,
    seconds,
    responses: latencies.length,
    // autocannon's duration leaves out connecting: the rate over its measured window.
    rps: latencies.length / result.duration,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
    loadGeneratorCpu: (cpu.user + cpu.system) / 1e6 / seconds,
  };
}

const send = (message: FromWorker) => process.send?.(message);
process.on('message', (message: ToWorker) => {
  if (message.type === 'exit') process.exit(0);
  else
    load(message).then(
      (result) => send({ type: 'result', result }),
      (error: unknown) => send({ type: 'failed', message: error instanceof Error ? error.message : String(error) }),
    );
});
process.on('disconnect', () => process.exit(0)); // never outlive the bench
send({ type: 'ready' });
