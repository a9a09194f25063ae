import { randomBytes } from 'node:crypto';
import type { Config } from '../../src/config/index.js';
import type { GatewayModule } from '../../src/kernel/index.js';
import { createLogger, loadGateway, startServer, type RunningServer } from '../../src/server/index.js';
import { freePort } from './free-port.js';
import { freshDatabase, type TestDialect } from './databases.js';

export interface TestApp extends RunningServer {
  config: Config;
}

/**
 * Starts the real gateway on 127.0.0.1 with a random port and a fresh database of `dialect`. The public URL is
 * the listening URL (so WebAuthn origins and OAuth issuers match what tests request). Logs are silent unless
 * OAUTH3_TEST_LOG is set (or `logger` is given). `extra` modules are added after the built-ins; `env` is read as the
 * environment would be (OAUTH3_MODULES, module options).
 */
export async function startTestApp(
  dialect: TestDialect = 'sqlite',
  overrides: Partial<Config> = {},
  extra: GatewayModule[] = [],
  logger?: ReturnType<typeof createLogger>,
  env: NodeJS.ProcessEnv = {},
): Promise<TestApp> {
  const db = await freshDatabase(dialect);
  const resolvedPort = overrides.port ?? (await freePort());
  const { config, modules } = await loadGateway(
    env,
    {
      host: '127.0.0.1',
      port: resolvedPort,
      publicUrl: `http://localhost:${resolvedPort}`,
      masterKey: randomBytes(32).toString('base64url'),
      logLevel: (process.env.OAUTH3_TEST_LOG as Config['logLevel']) ?? 'silent',
      auditFlushMs: 20,
      rateLimitAuth: 0, // feature tests sign in and register far more often than a person; test/server/rate-limits.test.ts tests the limit
      // feature tests fail client authentication on purpose, all from 127.0.0.1; test/oauth/client-auth-failures.test.ts tests the limit
      oauthClientAuthFailuresPerClient: 0,
      oauthClientAuthFailuresPerAddress: 0,
      floodLimit: 0, // load and fuzz tests send far more from 127.0.0.1 than a client would; test/scale/flood.test.ts tests the limit
      ...db,
      ...overrides,
    },
    extra,
  );
  const server = await startServer(config, { logger: logger ?? createLogger(config.logLevel), modules });
  return { ...server, url: config.publicUrl, config };
}
