// test/tasks/ in one process: test/support/one-process.ts says why.
import { runFolders } from '../support/one-process.js';

await runFolders(['tasks']);
