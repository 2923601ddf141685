// WORKERS decides whether the API process runs the periodic jobs itself (src/plugins/background-jobs.ts).
import t from 'tap';
import { build } from '../helper.js';

t.test('WORKERS=embedded (the default): the API process runs the jobs', async (t) => {
  const app = await build(t);
  t.ok(app.hasPlugin('background-jobs'));
});

t.test('WORKERS=external: the API process leaves them to workers', async (t) => {
  // The app's database is the test's own; DATABASE_URL only has to be set for WORKERS=external to be accepted.
  const app = await build(t, { env: { WORKERS: 'external', DATABASE_URL: 'postgres://127.0.0.1:1/unused' } });
  t.notOk(app.hasPlugin('background-jobs'));
});
