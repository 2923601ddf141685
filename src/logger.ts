// The app's pino logger options. JSON lines (one object per line, for log collectors) in production,
// in tests and whenever output goes to a pipe or file; human-readable lines (pino-pretty, in a worker
// thread) when a developer watches a terminal outside production. LOG_FORMAT forces either.
// Tokens and cookies are redacted in both.
import type { FastifyServerOptions } from 'fastify';
import type { Config } from './config.js';

const REDACT = { paths: ['req.headers.authorization', 'req.headers.cookie', 'headers.authorization'], censor: '[redacted]' };

/** Whether log lines are pretty-printed: LOG_FORMAT, else a terminal outside production. */
function prettyLogs(config: Pick<Config, 'logFormat' | 'nodeEnv'>, stdoutIsTerminal: boolean): boolean {
  if (config.logFormat !== 'auto') return config.logFormat === 'pretty';
  return config.nodeEnv === 'development' && stdoutIsTerminal;
}

export function loggerOptions(
  config: Pick<Config, 'logFormat' | 'nodeEnv' | 'logLevel'>,
  destination: { write(line: string): void } | undefined,
  stdoutIsTerminal = process.stdout.isTTY === true,
): FastifyServerOptions['logger'] {
  const base = { level: config.logLevel, redact: REDACT };
  if (destination) return { ...base, stream: destination };
  if (!prettyLogs(config, stdoutIsTerminal)) return base;
  return {
    ...base,
    transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname', singleLine: true } },
  };
}
