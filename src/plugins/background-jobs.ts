// Runs the periodic jobs (src/jobs/jobs.ts) inside this API process: WORKERS=embedded, the default,
// so one `npm start` does everything. From ready until close: no run starts once close begins, and
// a running one is awaited (bounded) before the database closes, which this plugin depends on.
import fp from 'fastify-plugin';
import { startPeriodicJobs, type PeriodicJobs } from '../jobs/periodic.js';
import { backgroundJobs, type JobPeriods } from '../jobs/jobs.js';

export interface BackgroundJobsOptions {
  periods: JobPeriods;
}

export default fp<BackgroundJobsOptions>(
  async (app, { periods }) => {
    let jobs: PeriodicJobs | undefined;
    let stopped: Promise<void> | undefined;
    app.addHook('onReady', async () => {
      jobs = startPeriodicJobs(app.db, backgroundJobs(app.db, app.log, periods), { log: app.log });
    });
    // preClose: before the listener closes and the drain, so nothing new starts while requests finish.
    app.addHook('preClose', async () => {
      stopped = jobs?.stop();
    });
    app.addHook('onClose', async () => {
      await (stopped ?? jobs?.stop());
    });
  },
  { name: 'background-jobs', dependencies: ['database'], decorators: { fastify: ['db'] } },
);
