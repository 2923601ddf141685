// One process per embedded-database folder. PGlite does not prevent a second process from opening
// the same folder (its postmaster.pid always holds PGlite's fixed pid, so PostgreSQL's own lock
// locks nothing), and two processes writing the same files corrupt them. This lock file holds the
// owner's process id; a lock whose process is gone (killed, crashed) is stale and taken over, so a
// restart after SIGKILL still starts.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { StartupError } from '../errors.js';

export const LOCK_FILE = 'todo-api.lock';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, owned by someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function owner(file: string): number | undefined {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Takes the folder's lock for this process; answers the function that releases it. Throws StartupError when another live process holds it. */
export function lockDataDir(dir: string): () => void {
  const file = path.join(dir, LOCK_FILE);
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      writeFileSync(file, `${process.pid}\n`, { flag: 'wx' });
      return () => {
        if (owner(file) === process.pid) rmSync(file, { force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const pid = owner(file);
    if (pid !== undefined && isAlive(pid)) {
      const who = pid === process.pid ? 'this process already' : `process ${pid}`;
      throw new StartupError(
        `the embedded database in ${dir} is in use (${who} has it open); one process at a time may open a data folder`,
      );
    }
    rmSync(file, { force: true }); // stale: its process is gone
  }
  throw new StartupError(`could not lock the embedded database in ${dir}`);
}
