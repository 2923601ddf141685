// `npm run contract:release`: records openapi.yaml as the released contract
// (contract/released/openapi.yaml), the base the breaking-change gate compares with
// (scripts/contract-diff.ts). It refuses what the gate refuses: a breaking change (unless
// `-- --major` and info.version's major went up), a version lower than the changes need, no
// CHANGELOG.md section. Run it from the project's root when a version of the API ships.
import { copyFileSync, readFileSync } from 'node:fs';
import { check, RELEASED } from './contract-diff.js';

const result = await check(RELEASED, 'openapi.yaml', {
  changelog: readFileSync('CHANGELOG.md', 'utf8'),
  allowBreaking: process.argv.includes('--major'),
});
console.log(result.lines.join('\n'));
if (!result.ok) process.exit(1);
copyFileSync('openapi.yaml', RELEASED);
console.log(`released: openapi.yaml is now ${RELEASED}; commit it with CHANGELOG.md`);
