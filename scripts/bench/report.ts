// The bench's answer for one load generator: medians per scenario and server, ours (and the baseline)
// against the bare server with the targets of docs/PERFORMANCE.md, the load generator's headroom,
// peak memory, the noise the machine added, and every problem seen.
import type { Measured } from './measure.js';
import { median, type Scenario } from './plans.js';
import { LABEL, type ServerKind } from './servers.js';

/** ours / bare req/s per scenario, p99 against bare's, memory; the headroom raw node:http must show. */
const TARGET_RATIO: Record<Scenario, number> = { get: 0.75, list: 0.85, mixed: 0.85, create: 0.85 };
const TARGET_P99_FACTOR = 1.5;
const TARGET_RSS_MIB = 200;
const HEADROOM_FACTOR = 1.5;

export interface Summary {
  scenario: Scenario;
  kind: ServerKind;
  rps: number;
  p50: number;
  p95: number;
  p99: number;
  errors: number;
  non2xx: number;
  serverCpu: number | undefined;
  loadGeneratorCpu: number;
  postgresCpu: number | undefined;
  otherCpu: number | undefined;
  peakRssMiB: number | undefined;
  serverLogLines: number;
}

const defined = (xs: (number | undefined)[]) => xs.filter((x): x is number => x !== undefined && Number.isFinite(x));
const medianOf = (xs: (number | undefined)[]) => (defined(xs).length ? median(defined(xs)) : undefined);
const sum = (runs: Measured[], f: (m: Measured) => number) => runs.reduce((a, m) => a + f(m), 0);

export function summarize(scenario: Scenario, kind: ServerKind, runs: Measured[]): Summary {
  return {
    scenario,
    kind,
    rps: median(runs.map((r) => r.rps)),
    p50: median(runs.map((r) => r.p50)),
    p95: median(runs.map((r) => r.p95)),
    p99: median(runs.map((r) => r.p99)),
    errors: sum(runs, (r) => r.errors + r.timeouts),
    non2xx: sum(runs, (r) => r.non2xx),
    serverCpu: medianOf(runs.map((r) => r.serverCpu)),
    loadGeneratorCpu: median(runs.map((r) => r.loadGeneratorCpu)),
    postgresCpu: medianOf(runs.map((r) => r.postgresCpu)),
    otherCpu: medianOf(runs.map((r) => r.otherCpu)),
    peakRssMiB: defined(runs.map((r) => r.serverPeakRssMiB)).reduce<number | undefined>((a, b) => Math.max(a ?? 0, b), undefined),
    serverLogLines: sum(runs, (r) => r.serverLogLines),
  };
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  const line = (r: string[]) => r.map((cell, c) => (c < 2 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ');
  return [line(rows[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n');
}

export const ms = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : '-');
export const pct = (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? '-' : `${Math.round(x * 100)}%`);
const whole = (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? '-' : x.toFixed(0));
/** Server CPU per request in µs: it moves much less with a busy machine than req/s does. */
const cpuPerRequest = (s: Summary | undefined) => (s?.serverCpu === undefined ? undefined : (s.serverCpu / s.rps) * 1e6);

export interface Report {
  text: string;
  /** ours / bare (and baseline / bare) per scenario: req/s and p99. */
  ratios: Record<string, { rps: number; p99: number }>;
  targets: Record<string, boolean>;
  /** Errors, answers ≥ 400 and server log lines: a run with any is not a measurement. */
  problems: string[];
}

export function report(summaries: Summary[], measured: Measured[]): Report {
  const rows = [
    [
      'scenario',
      'server',
      'req/s',
      'p50 ms',
      'p95 ms',
      'p99 ms',
      'errors',
      '≥400',
      'CPU: server',
      'loadgen',
      'postgres',
      'other',
      'server µs/req',
      'peak RSS MiB',
    ],
  ];
  for (const s of summaries)
    rows.push([
      s.scenario,
      LABEL[s.kind],
      whole(s.rps),
      ms(s.p50),
      ms(s.p95),
      ms(s.p99),
      String(s.errors),
      String(s.non2xx),
      pct(s.serverCpu),
      pct(s.loadGeneratorCpu),
      pct(s.postgresCpu),
      pct(s.otherCpu),
      whole(cpuPerRequest(s)),
      whole(s.peakRssMiB),
    ]);

  const ratios: Report['ratios'] = {};
  const targets: Report['targets'] = {};
  const ratioRows = [
    ['scenario', 'server', 'of bare', 'req/s', 'bare req/s', 'p99', 'bare p99', 'p99 ratio', 'µs/req / bare', 'target', 'p99 target'],
  ];
  const headroom: string[] = [];
  const scenarios = [...new Set(summaries.map((s) => s.scenario))];
  for (const scenario of scenarios) {
    const find = (kind: ServerKind) => summaries.find((s) => s.scenario === scenario && s.kind === kind);
    const bare = find('ceiling');
    for (const kind of ['ours', 'base'] as const) {
      const s = find(kind);
      if (!s || !bare) continue;
      const r = { rps: s.rps / bare.rps, p99: s.p99 / bare.p99 };
      ratios[`${scenario}${kind === 'base' ? ' (baseline)' : ''}`] = r;
      const met = r.rps >= TARGET_RATIO[scenario];
      if (kind === 'ours') targets[`${scenario}_rps_ge_${TARGET_RATIO[scenario]}_of_bare`] = met;
      if (kind === 'ours') targets[`${scenario}_p99_le_${TARGET_P99_FACTOR}x_bare`] = r.p99 <= TARGET_P99_FACTOR;
      ratioRows.push([
        scenario,
        LABEL[kind],
        `${(r.rps * 100).toFixed(0)}%`,
        whole(s.rps),
        whole(bare.rps),
        ms(s.p99),
        ms(bare.p99),
        r.p99.toFixed(2),
        `${whole(cpuPerRequest(s))} / ${whole(cpuPerRequest(bare))}`,
        `${met ? 'MET' : 'NOT MET'} (${TARGET_RATIO[scenario] * 100}%)`,
        r.p99 <= TARGET_P99_FACTOR ? 'MET' : 'NOT MET',
      ]);
    }
    const raw = find('raw');
    if (raw) {
      const fastest = Math.max(...summaries.filter((s) => s.scenario === scenario && s.kind !== 'raw').map((s) => s.rps));
      const factor = raw.rps / fastest;
      targets[`${scenario}_loadgen_headroom_ge_${HEADROOM_FACTOR}x`] = factor >= HEADROOM_FACTOR;
      headroom.push(
        `  ${scenario.padEnd(6)} raw node:http ${whole(raw.rps)} req/s = ${factor.toFixed(1)}× the fastest server (${whole(fastest)}): ${factor >= HEADROOM_FACTOR ? 'the load generator is not the bottleneck' : 'TOO LITTLE HEADROOM: the figures may be the load generator’s'}`,
      );
    }
  }
  const peak = Math.max(...defined(summaries.filter((s) => s.kind === 'ours').map((s) => s.peakRssMiB)));
  if (Number.isFinite(peak)) targets[`rss_lt_${TARGET_RSS_MIB}mib`] = peak < TARGET_RSS_MIB;
  const problems = summaries
    .filter((s) => s.errors > 0 || s.non2xx > 0 || s.serverLogLines > 0)
    .map(
      (s) => `${s.scenario}/${LABEL[s.kind]}: ${s.errors} errors/timeouts, ${s.non2xx} answers ≥ 400, ${s.serverLogLines} server log lines`,
    );
  const other = defined(measured.filter((m) => m.kind !== 'raw' && m.round > 0).map((m) => m.otherCpu));
  const text = [
    table(rows),
    '(CPU columns: share of ONE core, medians; "other" is whatever else ran on the machine meanwhile.)',
    other.length
      ? `Noise: other processes used a median ${pct(median(other))} of a core (max ${pct(Math.max(...other))}); ${other.filter((x) => x > 0.25).length} of ${other.length} rounds had more than 25%.`
      : 'Noise: not measured (no /proc).',
    '',
    ratioRows.length > 1 ? `Against the bare Fastify + pg server (medians of the same rounds):\n${table(ratioRows)}\n` : '',
    `Memory: ours peaked at ${whole(Number.isFinite(peak) ? peak : undefined)} MiB RSS (target < ${TARGET_RSS_MIB}).`,
    headroom.length
      ? `Load generator headroom (one round per scenario against ${LABEL.raw}):\n${headroom.join('\n')}`
      : 'Load generator headroom: not checked.',
  ].join('\n');
  return { text, ratios, targets, problems };
}
