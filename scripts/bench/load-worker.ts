// autocannon in its own process (forked by load.ts with an IPC channel), so the
// server under test never shares an event loop with autocannon. It receives the seeded users once,
// then runs one autocannon load per request and answers with the measured figures.
import autocannon from 'autocannon';
import {
  planFor,
  percentile,
  type BenchData,
  type FromWorker,
  type LoadRequest,
  type LoadResult,
  type PlannedRequest,
  type Scenario,
  type ToWorker,
} from './plans.js';

let data: BenchData | undefined;
const plans = new Map<Scenario, PlannedRequest[]>();

function send(message: FromWorker): void {
  process.send?.(message);
}

async function runLoad(request: LoadRequest): Promise<LoadResult> {
  if (!data) throw new Error('no bench data: init first');
  let plan = plans.get(request.scenario);
  if (!plan) {
    plan = planFor(request.scenario, data);
    plans.set(request.scenario, plan);
  }
  const requests = plan;
  // One cursor for all connections: consecutive requests (from any connection) go to different users.
  let cursor = 0;
  const latencies: number[] = [];
  const cpuBefore = process.cpuUsage();
  const started = process.hrtime.bigint();

  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: `http://127.0.0.1:${request.port}`,
        connections: request.connections,
        pipelining: 1,
        duration: request.durationSeconds,
        timeout: 10,
        requests: [
          {
            setupRequest: (req) => {
              const next = requests[cursor]!;
              cursor = (cursor + 1) % requests.length;
              return {
                ...req,
                method: next.method,
                path: next.path,
                headers: next.headers,
                ...(next.body === undefined ? {} : { body: next.body }),
              };
            },
          },
        ],
      },
      (error: unknown, res: autocannon.Result) =>
        error ? reject(error instanceof Error ? error : new Error(String(error))) : resolve(res),
    );
    instance.on('response', (_client: unknown, _status: number, _bytes: number, responseTime: number) => {
      latencies.push(responseTime);
    });
  });

  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const cpu = process.cpuUsage(cpuBefore);
  const sorted = Float64Array.from(latencies).sort();
  const statusCodes: Record<string, number> = {};
  for (const [code, stats] of Object.entries(result.statusCodeStats ?? {})) statusCodes[code] = (stats as { count: number }).count;
  const responses = latencies.length;
  return {
    scenario: request.scenario,
    seconds,
    responses,
    // autocannon's own duration excludes connection set-up; per-second rate over its measured window.
    rps: responses / result.duration,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted.length ? sorted[sorted.length - 1]! : Number.NaN,
    mean: responses ? latencies.reduce((a, b) => a + b, 0) / responses : Number.NaN,
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
    statusCodes,
    loadGeneratorCpu: (cpu.user + cpu.system) / 1e6 / seconds,
  };
}

process.on('message', (message: ToWorker) => {
  if (message.type === 'exit') {
    process.exit(0);
  } else if (message.type === 'init') {
    data = message.data;
    plans.clear();
    send({ type: 'ready' });
  } else {
    runLoad(message).then(
      (result) => send({ type: 'result', result }),
      (error: unknown) => send({ type: 'failed', message: error instanceof Error ? error.message : String(error) }),
    );
  }
});

// Never outlive the orchestrator.
process.on('disconnect', () => process.exit(0));
send({ type: 'ready' });
