// Every migration, by name; names sort in the order they apply.
import type { Migration, MigrationProvider } from 'kysely';
import * as usersAndTasks from './2026_11_22_0001_users_and_tasks.js';

const migrations: Record<string, Migration> = {
  '2026_11_22_0001_users_and_tasks': usersAndTasks,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => migrations,
};
