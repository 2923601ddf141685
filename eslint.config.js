// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

// Every table is user-owned (src/db/owned.ts, OWNED_TABLES) or a system table holding no user's
// data (SYSTEM_TABLES): queries on a named table are built through owned() or acrossOwners() there,
// system tables named through systemTable(), never directly, so no user's row is read without its owner.
const ownedTablesOnly =
  'Build queries on a table through owned() (or acrossOwners()) in src/db/owned.ts, so every query is filtered by its owner.';
const tableAccess = [
  {
    selector:
      'CallExpression[callee.property.name=/^(selectFrom|updateTable|deleteFrom|insertInto|replaceInto|mergeInto)$/][arguments.0.type=/^(Literal|TemplateLiteral)$/]',
    message: ownedTablesOnly,
  },
  {
    // Raw SQL that names a table: `sql\`select … from tasks\``, `sql.table('tasks')`.
    selector: "TaggedTemplateExpression[tag.name='sql'] TemplateElement[value.raw=/\\b(from|into|update|join|table)\\s+\"?[A-Za-z_]/i]",
    message: ownedTablesOnly,
  },
  {
    selector: "CallExpression[callee.object.name='sql'][callee.property.name='table']",
    message: ownedTablesOnly,
  },
];

export default tseslint.config(
  { ignores: ['dist/', 'generated/', 'node_modules/', '.data/', '.tap/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': ['error', { ignoreRestArgs: true }],
      'no-restricted-syntax': ['error', ...tableAccess],
    },
  },
  {
    // Migrations run on Kysely<any> by Kysely's advice: they must not depend on the app's table types, which keep changing after them.
    files: ['src/db/migrations/**', 'src/db/migrate.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // The door itself, the schema's history, and code that sets up or inspects databases from outside.
    files: ['src/db/owned.ts', 'src/db/migrations/**', 'src/db/migrate.ts', 'test/**', 'scripts/**'],
    rules: { 'no-restricted-syntax': 'off' },
  },
);
