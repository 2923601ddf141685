// Load shedding: when the event loop lags (the mean delay over a sample window is above the
// threshold), requests are answered at once with 503 `overloaded` + Retry-After instead of joining
// a queue that only grows. GET /health is liveness and is never shed (an overloaded process is
// alive; restarting it would not help); GET /ready is shed, so a balancer stops sending traffic.
import fp from 'fastify-plugin';
import underPressure from '@fastify/under-pressure';
import { overloaded } from '../errors.js';
import { OVERLOAD_SAMPLE_INTERVAL_MS } from '../limits.js';

export interface LoadSheddingOptions {
  maxEventLoopDelayMs: number;
  /** How often the event-loop delay is sampled (the library's default: 1 s). */
  sampleIntervalMs?: number;
}

const NEVER_SHED = new Set(['/health']);

export default fp<LoadSheddingOptions>(
  async (app, { maxEventLoopDelayMs, sampleIntervalMs = OVERLOAD_SAMPLE_INTERVAL_MS }) => {
    // The first samples after start-up hold the start-up's own work (PGlite's WebAssembly, crash
    // recovery, migrations), not load: counted, they would shed a restarted process's first
    // requests for about a second. Nothing is shed until two whole samples have been taken since
    // the process became ready and since it started listening.
    let sheddingFrom = Infinity;
    const graceFromNow = () => void (sheddingFrom = performance.now() + 2 * sampleIntervalMs);
    app.addHook('onReady', async () => graceFromNow());
    app.addHook('onListen', async () => graceFromNow());
    await app.register(underPressure, {
      maxEventLoopDelay: maxEventLoopDelayMs,
      sampleInterval: sampleIntervalMs,
      pressureHandler: async (request, _reply, type, value) => {
        if (NEVER_SHED.has(request.routeOptions.url ?? '')) return;
        if (performance.now() < sheddingFrom) return;
        request.log.warn({ type, value }, 'overloaded: request shed');
        throw overloaded();
      },
    });
  },
  // After the database: opening it (PGlite compiles WebAssembly, migrations run) blocks the event
  // loop, and that start-up work must not count as overload. Its 503 is the errors plugin's shape.
  { name: 'load-shedding', dependencies: ['errors', 'database'] },
);
