// The test/db/ files that migrate databases of their own or start server processes, in one
// process: test/support/one-process.ts says why.
import { runFolders } from '../support/one-process.js';
import { DB_MIGRATION_FILES } from './db-files.js';

await runFolders(['db'], { only: DB_MIGRATION_FILES });
