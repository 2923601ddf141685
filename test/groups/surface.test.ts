// test/client/, contract/, docs/, health/, http/ (but the slow timeouts.test.ts) and mock/ in one
// process: test/support/one-process.ts says why.
import { runFolders } from '../support/one-process.js';

await runFolders(['client', 'contract', 'docs', 'health', 'http', 'mock'], { except: ['http/timeouts.test.ts'] });
