// test/auth/ in one process (test/support/one-process.ts says why), but the slow jwks-rotation.test.ts
// (package.json's test:slow: its latency bounds under load need a quiet machine).
import { runFolders } from '../support/one-process.js';

await runFolders(['auth'], { except: ['auth/jwks-rotation.test.ts'] });
