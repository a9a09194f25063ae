import type { Config } from '../../src/config/index.js';
import type { GatewayModule } from '../../src/kernel/index.js';
import type { TestDialect } from './databases.js';
import { startEchoUpstream, type EchoUpstream } from './echo-plugin-upstream.js';
import { echoPlugin } from './echo-plugin.js';
import { startTestApp, type TestApp } from './test-app.js';
import { startUpstreamOidc, type UpstreamOidc } from './upstream-oidc.js';

/** A gateway whose echo plugin reaches a real echo upstream, with an upstream OIDC provider to connect. */
export interface EchoGateway {
  app: TestApp;
  upstream: UpstreamOidc;
  echo: EchoUpstream;
  /** Stops the gateway, then the provider and the echo upstream. */
  stop(): Promise<void>;
}

/**
 * Starts the upstream OIDC provider, the echo upstream and the gateway (loopback allowed to the proxy) with these
 * plugins (the echo plugin alone unless told) and config overrides, as the proxy tests need them.
 */
export async function startEchoGateway(
  dialect: TestDialect,
  o: { plugins?: GatewayModule[]; config?: Partial<Config> } = {},
): Promise<EchoGateway> {
  const [upstream, echo] = await Promise.all([startUpstreamOidc(), startEchoUpstream()]);
  const app = await startTestApp(
    dialect,
    { providers: [upstream.providerEntry()], proxyAllowRanges: ['127.0.0.0/8'], ...o.config },
    o.plugins ?? [echoPlugin],
    undefined,
    { OAUTH3_ECHO_UPSTREAM: echo.url },
  );
  return {
    app,
    upstream,
    echo,
    stop: async () => {
      await app.stop();
      await Promise.all([upstream.stop(), echo.close()]);
    },
  };
}
