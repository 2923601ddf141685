// test/security/ (but its two model-based tests, each a process of its own: they are the longest
// files) and test/counters/, in one process: test/support/one-process.ts says why.
import { runFolders } from '../support/one-process.js';

await runFolders(['security', 'counters'], { except: ['security/model.test.ts', 'security/conditional-model.test.ts'] });
