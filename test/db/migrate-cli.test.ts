// `npm run migrate -- up`, as the docs and the server's refusal tell an operator to run it, applies
// every pending migration (not one step), and `down` takes back one.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import t from 'tap';
import { migrationProvider } from '../../src/db/migrations/index.js';

const run = promisify(execFile);
const ALL = Object.keys(await migrationProvider.getMigrations()).sort();

t.test('migrate up applies every pending migration; down reverts one', async (t) => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'todo-migrate-cli-'));
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }));
  // The embedded database in a folder of its own: no DATABASE_URL from the caller's environment.
  const env = { PATH: process.env.PATH ?? '', DATA_DIR: dataDir };
  // What `npm run migrate --` runs (tsx scripts/migrate.ts), as one node process (not npx + tsx's CLI + its child).
  const migrate = async (...args: string[]) =>
    (await run(process.execPath, ['--import', 'tsx', 'scripts/migrate.ts', ...args], { env })).stdout;

  const up = await migrate('up');
  t.same(
    up.split('\n').filter((l) => l.startsWith('applied ')),
    ALL.map((name) => `applied ${name}`),
    'up applied all of them',
  );
  t.notMatch(await migrate('status'), /pending/, 'nothing is pending');
  t.match(await migrate('up'), /nothing to do/, 'a second up has nothing to do');
  t.same(
    (await migrate('down')).split('\n').filter((l) => l.startsWith('reverted ')),
    [`reverted ${ALL.at(-1)}`],
    'down reverts only the last',
  );
});
