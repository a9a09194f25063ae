// The gateway of the proxy ladder (bench/proxy.bench.ts) and of its breakdown (bench/proxy-phases.ts): the `ladder`
// plugin (one action, `echo`, posting its input to the bench's upstream with the person's GitHub credential), one
// person with that connection in the vault, and an access token for the gateway with the scope `ladder.echo`.
import { randomBytes } from 'node:crypto';
import type { GatewayModule } from '../src/kernel/index.js';
import type { RunningServer } from '../src/server/index.js';
import { issueAccessToken } from '../test/support/tokens.js';
import { startBenchGateway } from './bench-gateway.js';

/** Starts it against the echo upstream at `upstreamUrl`, with `extra` modules beside the plugin (bench routes). */
export async function startLadderGateway(
  upstreamUrl: string,
  dataDir: string,
  extra: readonly GatewayModule[] = [],
): Promise<{ server: RunningServer; token: string; userId: string }> {
  const { createUser } = await import('../src/accounts/index.js');
  const { vaultOf } = await import('../src/vault/index.js');
  const { definePlugin } = await import('../src/proxy/index.js');
  const ladder = definePlugin({
    name: 'ladder',
    scopes: [{ name: 'ladder.echo', description: 'Echo through the bench upstream', group: 'act' }],
    plugin: {
      id: 'ladder',
      name: 'Ladder',
      provider: 'github',
      upstreamHosts: [new URL(upstreamUrl).host],
      actions: [
        {
          name: 'echo',
          title: 'Echo',
          description: 'Posts the text to the bench upstream.',
          scope: 'ladder.echo',
          input: {
            type: 'object',
            properties: { text: { type: 'string', maxLength: 200 } },
            required: ['text'],
            additionalProperties: false,
          },
          async handler({ input, upstream }) {
            return (await upstream.fetch(`${upstreamUrl}/echo`, { method: 'POST', json: input })).json();
          },
        },
      ],
    },
  });
  const server = await startBenchGateway(
    dataDir,
    {
      providers: [{ preset: 'github', client_id: 'bench-client', client_secret: 'bench-secret' }],
      proxyAllowRanges: ['127.0.0.0/8'],
    },
    [ladder, ...extra],
  );
  const { id: userId } = await createUser(server.ctx.db);
  await vaultOf(server.ctx).store({
    userId,
    provider: 'github',
    account: 'bench',
    scopes: 'read:user',
    secret: { kind: 'oauth', access_token: `gho_${randomBytes(24).toString('base64url')}`, token_type: 'bearer' },
    expiresAt: Date.now() + 86_400_000,
  });
  const { token } = await issueAccessToken(server.ctx, {
    userId,
    clientId: 'bench-agent',
    scopes: ['ladder.echo'],
    audience: [server.ctx.resources.gatewayUrl],
    ttl: 3600,
    // as a consent's token: its grant and refresh family in its lineage, so a call reads the grant's policy (none set)
    grantId: `grant-${randomBytes(6).toString('hex')}`,
    familyId: `family-${randomBytes(6).toString('hex')}`,
  });
  return { server, token, userId };
}
