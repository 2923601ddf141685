// test/db/ is split in two groups of about the same CPU time: these files, which each migrate
// databases of their own or start server processes, and the rest.
export const DB_MIGRATION_FILES = [
  'db/data-dir-lock.test.ts',
  'db/migrate-cli.test.ts',
  'db/migration-0002.test.ts',
  'db/migrations.test.ts',
  'db/reused-pglite.test.ts',
  'db/task-fields-migration.test.ts',
];
