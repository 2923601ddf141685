// test/errors/, test/idempotency/ and test/jobs/ in one process: test/support/one-process.ts says why.
import { runFolders } from '../support/one-process.js';

await runFolders(['errors', 'idempotency', 'jobs']);
