// test/db/ but its migration files (db-migrations.test.ts), in one process: test/support/one-process.ts says why.
import { runFolders } from '../support/one-process.js';
import { DB_MIGRATION_FILES } from './db-files.js';

await runFolders(['db'], { except: DB_MIGRATION_FILES });
