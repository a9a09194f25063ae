// The gateway a bench runs in a child process of its own: one process on 127.0.0.1, a fresh master key, the bench's
// data directory, log lines to /dev/null (at BENCH_LOG_LEVEL, default warn), the bench's settings and modules.
import { randomBytes } from 'node:crypto';
import pino from 'pino';
import type { Config } from '../src/config/index.js';
import type { GatewayModule } from '../src/kernel/index.js';
import type { RunningServer } from '../src/server/index.js';
import { freePort } from '../test/support/free-port.js';

/** Starts it (the gateway's code is loaded here, so the bench's own process never loads it). */
export async function startBenchGateway(
  dataDir: string,
  settings: Partial<Config>,
  extra: readonly GatewayModule[] = [],
): Promise<RunningServer> {
  const { loadGateway, startServer, createLogger } = await import('../src/server/index.js');
  const port = await freePort();
  const { config, modules } = await loadGateway(
    {},
    {
      host: '127.0.0.1',
      port,
      publicUrl: `http://127.0.0.1:${port}`,
      dataDir,
      masterKey: randomBytes(32).toString('base64url'),
      workers: 1,
      logLevel: (process.env.BENCH_LOG_LEVEL as never) ?? 'warn',
      // The load generator is one address sending thousands of requests a second: the per-address flood guard
      // (OAUTH3_FLOOD_LIMIT) would answer most of them 429. The highest limit keeps its counting in the measure.
      // (A tree without the option ignores the key.)
      ...({ floodLimit: 100_000_000 } as Partial<Config>),
      ...settings,
    },
    extra,
  );
  return startServer(config, { modules, logger: createLogger(config.logLevel, pino.destination('/dev/null')) });
}
