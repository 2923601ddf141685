// npm run migrate -- [status|up|down|latest|to <name>|online]   (default: status)
//   up (= latest): every pending migration, in one transaction; down: the last one back; to <name>: up or down to it.
//   online: the task model v2's schema change (and the short-search indexes) for a large PostgreSQL table, outside a transaction
//   (columns, batched backfill, CREATE INDEX CONCURRENTLY), before `latest` records it. docs/OPERATIONS.md.
// Uses the same configuration as the server (DATABASE_URL, else the embedded database under DATA_DIR).
import { environment, loadConfig } from '../src/config.js';
import { connect, databaseTarget, describeTarget } from '../src/db/connect.js';
import { ensureSucceeded, migrator } from '../src/db/migrate.js';
import { onlineSteps } from '../src/db/migrations/2026_12_01_0001_task_fields.js';
import { onlineSteps as shortSearchOnlineSteps } from '../src/db/migrations/2026_12_02_0001_short_search.js';

const USAGE = 'usage: npm run migrate -- [status|up|down|latest|to <name>|online]';
const command = process.argv[2] ?? 'status';
const target = process.argv[3];
if (!['status', 'up', 'down', 'latest', 'to', 'online'].includes(command) || (command === 'to' && !target)) {
  console.error(USAGE);
  process.exit(2);
}

const database = databaseTarget(loadConfig(environment(), { verifiesTokens: false }));
// No query timeout: an index build on a large table takes minutes (the app's 15 s would roll it back).
const { db } = connect(database, { queryTimeoutMs: null });
try {
  console.log(`database: ${describeTarget(database)}`);
  const m = migrator(db);
  if (command === 'online') {
    if (database.kind !== 'postgres')
      throw new Error(
        'online is for PostgreSQL (DATABASE_URL); the embedded database has one connection and no concurrent writers to spare',
      );
    await onlineSteps(db, (line) => console.log(line));
    await shortSearchOnlineSteps(db, (line) => console.log(line));
    console.log('done: now run npm run migrate -- latest (or start the server), which finds everything in place');
  } else if (command === 'status') {
    for (const info of await m.getMigrations()) {
      console.log(`${info.executedAt ? `applied ${info.executedAt.toISOString()}` : 'pending                          '}  ${info.name}`);
    }
  } else {
    const run =
      // `up` is every pending migration, as the docs and the server's refusal say (not Kysely's one step).
      command === 'down' ? m.migrateDown() : command === 'to' ? m.migrateTo(target!) : m.migrateToLatest();
    const results = ensureSucceeded(await run);
    if (results.length === 0) console.log('nothing to do');
    for (const r of results) console.log(`${r.direction === 'Down' ? 'reverted' : 'applied'} ${r.migrationName}`);
  }
} catch (error) {
  console.error(`migrate ${command} failed: ${(error as Error).message}`);
  process.exitCode = 1;
} finally {
  await db.destroy();
}
