// A rolling restart under load through HAProxy: each of two processes in turn gets SIGTERM (via
// the npm process, as an orchestrator sends it), answers /ready 503 `draining` while its listener is
// still open so HAProxy takes it out, drains, exits, and is started again, while clients create,
// toggle and list. Expected: 0 failed requests, and every acknowledged write present.
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import { clusterAvailable, startCluster } from '../support/cluster.js';
import { startLoad } from '../support/cluster-load.js';

const CLIENTS = 16;

if (await clusterAvailable()) {
  t.test('rolling restart under load: 0 failed requests, every acknowledged write present', async (t) => {
    const cluster = await startCluster(t, 2);
    const load = startLoad(cluster.base, CLIENTS, randomBytes(4).toString('hex'));
    await sleep(1_000);
    const started = Date.now();
    const output = await cluster.script('rolling-restart');
    const restartMs = Date.now() - started;
    await sleep(1_000);
    await load.stop();

    t.comment(output.trim());
    t.comment(
      `rolling restart took ${restartMs} ms; ${load.requests()} requests, ${load.acknowledgedCreates()} acknowledged creates, served by ${JSON.stringify(Object.fromEntries(load.servedBy))} (noisy shared machine)`,
    );
    t.match(output, /process 1 ready[\s\S]*process 2 ready/, 'both processes were restarted');
    t.same(load.failures, [], '0 failed requests');
    t.ok(load.requests() > 200, `the load ran throughout (${load.requests()} requests)`);
    t.same(await load.verify(), [], 'every acknowledged create present, every acknowledged toggle reflected');
  });
}
