// A process of the app run from its TypeScript source (src/server.ts, src/worker.ts) with tsx's
// loader, its output collected. node with the loader, not the `tsx` command: that runs the entry in a
// child of its own, which a SIGKILL of the command (a teardown) would leave running.
import { spawn } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const tsxLoader = pathToFileURL(`${root}node_modules/tsx/dist/loader.mjs`).href;

/** Starts `src/<entry>` with only PATH and `env` as its environment, in `cwd`. */
export function startSource(entry: 'server.ts' | 'worker.ts', env: Record<string, string>, cwd: string) {
  const child = spawn(process.execPath, ['--import', tsxLoader, `${root}src/${entry}`], {
    cwd,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  /** Resolves with the output once it matches `pattern`; fails when the process exits or `ms` pass first. */
  const waitFor = async (pattern: RegExp, ms = 30_000) => {
    const until = Date.now() + ms;
    while (!pattern.test(output)) {
      if (Date.now() > until || child.exitCode !== null) throw new Error(`did not see ${pattern} in:\n${output}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    return output;
  };
  return { child, exited, waitFor, output: () => output };
}
