// Several test files in one process. tap runs each file in its own process, and each process pays
// ~9 s of CPU before its first assertion: tap and tsx, the app's modules, PGlite's WebAssembly and a
// database instance, the contract's response validators. Over ~60 files that fixed cost was more
// than half of `npm test` (docs/PERFORMANCE.md, "The suite's own speed"). A group file
// (test/groups/) runs a folder's files here instead, one after another, each exactly as it runs
// alone (`npx tap test/tasks/cursor.test.ts` still does), with the process's modules, compiled
// WebAssembly and idle database instances (test/support/reused-pglite.ts) shared between them.
//
// A file uses tap's root `t` at its top level: `t.test(...)` queues its tests, and `t.teardown(...)`
// (build() does, for an app made at the top level) would run only when the process ends, keeping
// that file's app and database alive through the files after it. So while a file loads, those two
// are redirected: its tests are collected, and once they have all ended its teardowns run (last
// added first, as tap does) before the next file starts. Nothing else about `t` changes.
import { readdirSync } from 'node:fs';
import t from 'tap';

type Teardown = () => unknown;

export interface GroupOptions {
  /** Only these files of the folders (paths under test/). */
  only?: readonly string[];
  /** All but these (paths under test/): the slow ones (package.json's test:slow), or another group's. */
  except?: readonly string[];
}

/** Runs the *.test.ts files of test/<folder>/ for each folder, in name order, in this process. */
export async function runFolders(folders: readonly string[], options: GroupOptions = {}): Promise<void> {
  const files = folders.flatMap((folder) =>
    readdirSync(new URL(`../${folder}/`, import.meta.url))
      .filter((name) => name.endsWith('.test.ts'))
      .sort()
      .map((name) => `${folder}/${name}`),
  );
  for (const listed of [...(options.only ?? []), ...(options.except ?? [])]) {
    if (!files.includes(listed)) throw new Error(`test/${listed} is not a test file of ${folders.join(', ')}`);
  }
  const chosen = files.filter((file) => (options.only ? options.only.includes(file) : true) && !options.except?.includes(file));
  if (chosen.length === 0) throw new Error(`no test files in ${folders.join(', ')}`);
  for (const file of chosen) {
    t.comment(`test/${file}`);
    await runFile(`test/${file}`, new URL(`../${file}`, import.meta.url));
  }
}

async function runFile(label: string, url: URL): Promise<void> {
  const root = t as unknown as { test: (...args: unknown[]) => Promise<unknown>; teardown: (fn: Teardown) => void };
  const { test, teardown } = root;
  const tests: Promise<unknown>[] = [];
  const teardowns: Teardown[] = [];
  root.test = (...args) => {
    const running = test.apply(t, args);
    tests.push(running);
    return running;
  };
  root.teardown = (fn) => void teardowns.push(fn);
  try {
    await import(url.href);
  } catch (error) {
    t.fail(`${label} failed to load: ${(error as Error).stack ?? String(error)}`);
  } finally {
    root.test = test;
    root.teardown = teardown;
  }
  await Promise.allSettled(tests);
  for (const fn of teardowns.reverse()) {
    try {
      await fn();
    } catch (error) {
      t.fail(`${label}: a teardown threw: ${(error as Error).stack ?? String(error)}`);
    }
  }
}
