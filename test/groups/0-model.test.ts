// test/security/model.test.ts, the longest file, in a process of its own. The name sorts first:
// tap starts files in name order, and the longest should start first (test/support/one-process.ts).
import { runFolders } from '../support/one-process.js';

await runFolders(['security'], { only: ['security/model.test.ts'] });
