import type { Config } from '../../src/config/index.js';
import { startTestApp, type TestApp } from './test-app.js';
import type { TestDialect } from './databases.js';
import { createTestUser, type TestUser } from './test-user.js';
import { startUpstreamOidc, type UpstreamOidc } from './upstream-oidc.js';
import { connectUpstream } from './upstream-connection.js';
import { startEchoUpstream, type EchoUpstream } from './echo-plugin-upstream.js';
import { echoPlugin } from './echo-plugin.js';

/** A gateway with the echo plugin against a local echo upstream, and one person connected to a real upstream OAuth server. */
export interface EchoProxyApp {
  app: TestApp;
  user: TestUser;
  upstream: UpstreamOidc;
  echo: EchoUpstream;
  stop(): Promise<void>;
}

/** Starts the proxy tests' usual setup on `dialect`; `overrides` are config fields on top (a policy cap, the audit interval…). */
export async function startEchoProxyApp(dialect: TestDialect, overrides: Partial<Config> = {}): Promise<EchoProxyApp> {
  const upstream = await startUpstreamOidc();
  const echo = await startEchoUpstream();
  const app = await startTestApp(
    dialect,
    { providers: [upstream.providerEntry()], proxyAllowRanges: ['127.0.0.0/8'], ...overrides },
    [echoPlugin],
    undefined,
    { OAUTH3_ECHO_UPSTREAM: echo.url },
  );
  const user = await createTestUser(app);
  await connectUpstream(app, user.userId, upstream);
  return {
    app,
    user,
    upstream,
    echo,
    stop: async () => {
      await app.stop();
      await Promise.all([upstream.stop(), echo.close()]);
    },
  };
}
