import cluster, { type Worker } from 'node:cluster';
import type { Logger } from 'pino';
import { AggregatorRegistry } from 'prom-client';
import type { Config } from '../config/index.js';
import type { GatewayModule } from '../kernel/index.js';
import { createContext, closeContext } from './create-context.js';
import { isBusMessage, type BusMessage } from './peer-bus.js';
import { START_MESSAGE, startNotice } from './start-notice.js';

/** What the primary answers a worker's `request(topic)` with. */
const answers: Record<string, () => Promise<unknown>> = {
  // Every worker's registry, summed (prom-client asks each worker over the same channel).
  metrics: () => new AggregatorRegistry().clusterMetrics(),
};

/**
 * `OAUTH3_WORKERS` > 1: this process is the primary. It prepares the database once (migrations, the master key
 * and the first signing key: workers must not race to create them), then forks the workers, which all serve
 * the same port (the primary deals the connections out in turn). It relays the workers'
 * bus messages, restarts a worker that dies, and on SIGTERM/SIGINT stops them all gracefully. Resolves once
 * every worker listens; rejects (having stopped the others) when one fails to start.
 */
export async function runCluster(config: Config, modules: readonly GatewayModule[], log: Logger, count: number): Promise<void> {
  const prepared = await createContext(config, log, modules, { defaultMetrics: false });
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${config.port}`;
  const notice = await startNotice(prepared, url).finally(() => closeContext(prepared));
  // The primary accepts each connection and hands it to the next worker in turn: connections are kept alive, so
  // this costs once per connection, and it spreads them evenly (with SCHED_NONE the workers race to accept, and
  // one often got most of a client's connections: fewer refreshes a second, and less steady; bench/README.md).
  cluster.schedulingPolicy = cluster.SCHED_RR;
  let stopping = false;

  const relay = (from: Worker, m: BusMessage) => {
    if (m.oauth3 === 'publish') {
      for (const w of Object.values(cluster.workers ?? {})) {
        if (w && w !== from && w.isConnected()) w.send({ oauth3: 'deliver', topic: m.topic, data: m.data } satisfies BusMessage);
      }
    } else if (m.oauth3 === 'request') {
      const answer = answers[m.topic];
      (answer ? answer() : Promise.reject(new Error(`no answer for ${m.topic}`))).then(
        (data) => from.isConnected() && from.send({ oauth3: 'reply', id: m.id, data } satisfies BusMessage),
        (e: Error) => from.isConnected() && from.send({ oauth3: 'reply', id: m.id, error: e.message } satisfies BusMessage),
      );
    }
  };
  cluster.on('message', (worker, m) => {
    if (isBusMessage(m)) relay(worker, m);
  });

  const stopAll = () => {
    stopping = true;
    for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGTERM');
  };
  const exited = () =>
    new Promise<void>((ok) => {
      const check = () => {
        if (Object.keys(cluster.workers ?? {}).length === 0) ok();
      };
      cluster.on('exit', check);
      check();
    });

  // From the start: a signal while the workers start stops them too.
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      log.info({ signal, workers: count }, 'shutting down the workers');
      stopAll();
      const force = setTimeout(() => {
        for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGKILL');
      }, config.shutdownTimeoutMs + 5000);
      force.unref();
      void exited().then(() => process.exit(0));
    });
  }

  await new Promise<void>((ready, fail) => {
    let listening = 0;
    cluster.on('listening', () => {
      if (++listening === count) ready();
    });
    cluster.on('exit', (worker, code, signal) => {
      if (stopping) return;
      if (listening < count) {
        // a worker that cannot start: the others will not do better
        stopAll();
        void exited().then(() => fail(new Error(`worker ${worker.id} exited with ${signal ?? code} while starting`)));
        return;
      }
      log.error({ worker: worker.id, exitCode: code, signal }, 'worker died; starting another');
      setTimeout(() => {
        if (!stopping) cluster.fork();
      }, 1000); // not unref'd: it may be all that is left to do
    });
    for (let i = 0; i < count; i++) cluster.fork();
  });

  log.info({ ...notice, workers: count }, START_MESSAGE);
}
