import cluster from 'node:cluster';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config/index.js';
import { createLogger } from './logger.js';
import { createContext, closeContext } from './create-context.js';
import { buildApp } from './build-app.js';
import { builtinModules } from './builtin-modules.js';
import { START_MESSAGE, startNotice } from './start-notice.js';
import type { AppContext, GatewayModule } from '../kernel/index.js';

export interface RunningServer {
  app: FastifyInstance;
  ctx: AppContext;
  /** The URL it listens on (with the real port when port 0 was asked). */
  url: string;
  /** Graceful stop: no new connections, in-flight requests finish, audit flushed, database closed. */
  stop(): Promise<void>;
}

/**
 * Builds the context and the app of `modules` (loadGateway's: the built-ins by default) and listens. Throws (one
 * clear line) when the start fails.
 */
export async function startServer(
  config: Config,
  o: { logger?: ReturnType<typeof createLogger>; handleSignals?: boolean; modules?: readonly GatewayModule[] } = {},
): Promise<RunningServer> {
  const log = o.logger ?? createLogger(config.logLevel);
  const modules = o.modules ?? builtinModules;
  const ctx = await createContext(config, log, modules);
  let app: FastifyInstance;
  try {
    app = await buildApp(ctx, modules);
    await app.listen({ port: config.port, host: config.host });
  } catch (e) {
    await closeContext(ctx).catch(() => undefined);
    throw e;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      const timer = setTimeout(() => app.server.closeAllConnections(), config.shutdownTimeoutMs);
      try {
        await app.close();
      } finally {
        clearTimeout(timer);
        await closeContext(ctx);
      }
    })());
  if (o.handleSignals) {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      process.once(signal, () => {
        log.info({ signal }, 'shutting down');
        stop().then(
          () => process.exit(0),
          (err) => {
            log.error({ err }, 'shutdown failed');
            process.exit(1);
          },
        );
      });
    }
  }
  ctx.audit.enqueue({
    action: 'server.started',
    actor: { type: 'system' },
    detail: { url, publicUrl: config.publicUrl, database: ctx.dialect },
  });
  // A worker of a cluster: the primary tells the person once, when every worker listens (runCluster).
  if (cluster.isWorker) log.info({ url, worker: cluster.worker?.id }, 'worker listening');
  else log.info(await startNotice(ctx, url), START_MESSAGE);
  return { app, ctx, url, stop };
}
