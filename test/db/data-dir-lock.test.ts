// One process per embedded-database folder: a second opener is refused with a one-line reason,
// a lock left by a process that is gone (SIGKILL) is taken over.
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { sql } from 'kysely';
import { connect } from '../../src/db/connect.js';
import { LOCK_FILE } from '../../src/db/data-dir-lock.js';
import { StartupError } from '../../src/errors.js';

t.test('a second open of the same folder is refused until the first closes', async (t) => {
  const dataDir = t.testdir();
  const lock = path.join(dataDir, 'pglite', LOCK_FILE);
  const first = connect({ kind: 'pglite', dataDir });
  await sql`select 1`.execute(first.db);
  t.equal(readFileSync(lock, 'utf8').trim(), String(process.pid), 'the lock names its owner');
  t.throws(() => connect({ kind: 'pglite', dataDir }), StartupError);
  t.throws(() => connect({ kind: 'pglite', dataDir }), /in use \(this process already has it open\)/);
  await first.db.destroy();
  t.notOk(existsSync(lock), 'closing releases the lock');
  const second = connect({ kind: 'pglite', dataDir });
  t.same((await sql<{ one: number }>`select 1 as one`.execute(second.db)).rows, [{ one: 1 }]);
  await second.db.destroy();
});

t.test('a live process holding the lock refuses; once it is gone, the lock is stale and taken over', async (t) => {
  const dataDir = t.testdir({ pglite: {} });
  const lock = path.join(dataDir, 'pglite', LOCK_FILE);
  const other = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  t.teardown(() => void other.kill('SIGKILL'));
  await new Promise((resolve) => other.once('spawn', resolve));
  writeFileSync(lock, `${other.pid}\n`);
  t.throws(() => connect({ kind: 'pglite', dataDir }), new RegExp(`in use \\(process ${other.pid} has it open\\)`));
  other.kill('SIGKILL');
  await new Promise((resolve) => other.once('exit', resolve));
  const handle = connect({ kind: 'pglite', dataDir });
  t.equal(readFileSync(lock, 'utf8').trim(), String(process.pid), 'taken over');
  await sql`select 1`.execute(handle.db);
  await handle.db.destroy();
});
