// Every migration, by name; names sort in the order they apply.
import type { Migration, MigrationProvider } from 'kysely';
import * as usersAndTasks from './2026_11_22_0001_users_and_tasks.js';
import * as taskFields from './2026_12_01_0001_task_fields.js';
import * as taskVersionsAndIdempotency from './2026_12_01_0002_task_versions_and_idempotency.js';
import * as shortSearch from './2026_12_02_0001_short_search.js';
import * as jobRuns from './2026_12_07_0001_job_runs.js';

const migrations: Record<string, Migration> = {
  '2026_11_22_0001_users_and_tasks': usersAndTasks,
  '2026_12_01_0001_task_fields': taskFields,
  '2026_12_01_0002_task_versions_and_idempotency': taskVersionsAndIdempotency,
  '2026_12_02_0001_short_search': shortSearch,
  '2026_12_07_0001_job_runs': jobRuns,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => migrations,
};
