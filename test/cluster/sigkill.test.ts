// One of two processes SIGKILLed under load through HAProxy: the balancer routes around it (its
// connections are refused, so requests are retried on the other; its checks fail, so it leaves the
// rotation), only requests in flight on that process at the kill may fail (counted), and every
// acknowledged write is present. Then it is started again and takes traffic.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import { clusterAvailable, startCluster } from '../support/cluster.js';
import { startLoad } from '../support/cluster-load.js';

const CLIENTS = 16;
const IN_FLIGHT_WINDOW_MS = 250;

if (await clusterAvailable()) {
  t.test('SIGKILL one process under load: routed around, only in-flight requests fail, nothing acknowledged lost', async (t) => {
    const cluster = await startCluster(t, 2);
    const load = startLoad(cluster.base, CLIENTS, randomBytes(4).toString('hex'));
    await sleep(1_500);
    // What `scripts/cluster.sh kill 1` does, here for the exact moment.
    const serverPid = Number(readFileSync(`${cluster.dir}/server-1.pid`, 'utf8'));
    const inFlightAtKill = load.inFlight();
    const killedAt = Date.now();
    process.kill(serverPid, 'SIGKILL');
    await sleep(3_000);
    const afterKill = load.requests();
    const servedBefore = new Map(load.servedBy);
    await sleep(2_000);
    const onlyApp2 = (load.servedBy.get('app1') ?? 0) === (servedBefore.get('app1') ?? 0);
    t.ok(onlyApp2, 'from a few seconds after the kill, only the surviving process answers');
    t.ok(load.requests() > afterKill, 'and it keeps answering');

    t.comment((await cluster.script('restart', '1')).trim());
    const backFrom = load.servedBy.get('app1') ?? 0;
    await sleep(1_500);
    t.ok((load.servedBy.get('app1') ?? 0) > backFrom, 'the restarted process takes traffic again');
    await load.stop();

    const failed = load.failures;
    // In flight on the killed process: sent before the kill, or just after it onto a keep-alive
    // connection HAProxy held to it and had not yet seen closed (the kernel tears the dead process's
    // sockets down in a few ms). HAProxy does not resend those (the request may have reached the
    // process): it closes the client's connection (ECONNRESET), or, when the process's socket closed
    // after HAProxy had sent it the request, answers 502 "invalid or incomplete response" itself.
    // Either way the request reached the killed process. Anything later must succeed.
    const late = failed.filter((f) => f.sentAt > killedAt + IN_FLIGHT_WINDOW_MS);
    t.comment(
      `${load.requests()} requests, ${load.acknowledgedCreates()} acknowledged creates; ${failed.length} failed (in flight at the kill: ${inFlightAtKill} of ${CLIENTS} clients): ` +
        JSON.stringify(failed.map((f) => ({ what: f.what, why: f.why.split('\n')[0], sentMsAfterKill: f.sentAt - killedAt }))),
    );
    const sentBeforeKill = failed.filter((f) => f.sentAt <= killedAt);
    t.ok(
      sentBeforeKill.length <= inFlightAtKill,
      `of the requests sent before the kill, at most those in flight failed (${sentBeforeKill.length} ≤ ${inFlightAtKill})`,
    );
    t.same(late, [], `no request sent later than ${IN_FLIGHT_WINDOW_MS} ms after the kill failed`);
    const cut = (why: string) =>
      why === 'ECONNRESET' ||
      why.startsWith('502 <html><body><h1>502 Bad Gateway</h1>\nThe server returned an invalid or incomplete response.');
    t.same(
      [...new Set(failed.map((f) => f.why))].filter((why) => !cut(why)),
      [],
      'the failures are cut requests (a reset, or the balancer\'s 502 for an answer the killed process never gave), never "no server available", a 5xx of the app or any other error',
    );
    t.same(await load.verify(), [], 'every acknowledged create present, every acknowledged toggle reflected');
  });
}
