// test/security/conditional-model.test.ts, the second-longest file, in a process of its own. The
// name sorts first: tap starts files in name order, and the longest should start first.
import { runFolders } from '../support/one-process.js';

await runFolders(['security'], { only: ['security/conditional-model.test.ts'] });
