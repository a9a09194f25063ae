// The setting of the vault fault tests (sigkill-vault-*.test.ts): a real upstream (node-oidc-provider: 3-second
// access tokens, refresh tokens rotated on every use), an in-process app that makes people and connections, and a
// real gateway process on its database that the tests start, kill and start again.
import { afterAll, beforeAll } from 'vitest';
import { vaultOf } from '../../src/vault/index.js';
import { openSecret } from '../../src/vault/credential-secret.js';
import type { TestDialect } from '../support/databases.js';
import { fetchWithin } from '../support/drive-and-kill.js';
import { killAllGateways, killableGateway, type KillableGateway } from '../support/killable-gateway.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { createTestUser } from '../support/test-user.js';
import { connectUpstream } from '../support/upstream-connection.js';
import { startUpstreamOidc, type UpstreamOidc } from '../support/upstream-oidc.js';
import { newApiKey } from '../vault/server-api-helpers.js';

/** Sets up (beforeAll) and tears down (afterAll) the setting above for a describe block; returns its parts and helpers. */
export function vaultUnderFaults(dialect: TestDialect) {
  const s = {} as { up: UpstreamOidc; setup: TestApp; mcp: { key: string; server: string }; gateway: KillableGateway };
  let logins = 0;
  beforeAll(async () => {
    s.up = await startUpstreamOidc({ accessTokenTtl: 3 });
    const providers = [s.up.providerEntry({ refresh_margin: 1 })];
    s.setup = await startTestApp(dialect, { providers });
    s.mcp = await newApiKey(s.setup, 'Fault MCP');
    s.gateway = await killableGateway({
      OAUTH3_DATA_DIR: s.setup.config.dataDir,
      ...(s.setup.config.databaseUrl ? { DATABASE_URL: s.setup.config.databaseUrl } : {}),
      OAUTH3_MASTER_KEY: s.setup.config.masterKey!,
      OAUTH3_PUBLIC_URL: s.setup.config.publicUrl,
      OAUTH3_PROVIDERS: JSON.stringify(providers),
      OAUTH3_LOG_LEVEL: 'warn',
    });
  }, 60_000);
  afterAll(async () => {
    await killAllGateways();
    await s.setup?.stop();
    await s.up?.stop();
  });
  return {
    s,
    /** A person connected to their own upstream account, the MCP server allowed, the token expired. */
    async expiredConnection() {
      const { userId } = await createTestUser(s.setup);
      const login = `fault-${dialect}-${++logins}`;
      const { connectionId } = await connectUpstream(s.setup, userId, s.up, { login });
      await vaultOf(s.setup.ctx).allow(userId, 'upstream', s.mcp.server);
      await s.setup.ctx.db
        .updateTable('vault_connections')
        .set({ expires_at: Date.now() - 1000 })
        .where('id', '=', connectionId)
        .execute();
      return { userId, login, connectionId };
    },
    async serve(userId: string) {
      const res = await fetchWithin(
        `${s.gateway.url}/auth/token`,
        {
          method: 'POST',
          headers: { authorization: `Bearer ${s.mcp.key}`, 'content-type': 'application/json' },
          body: JSON.stringify({ user_id: userId, provider: 'upstream' }),
        },
        30_000,
      ); // a lease its dead holder left is taken over after 15 s
      return { status: res.status, body: (await res.json()) as { access_token?: string; expires_at?: number; error?: string } };
    },
    /** The row as stored, its credential opened with the ring (throws ERR_VAULT_DECRYPT if it does not open). */
    async stored(connectionId: string) {
      const row = await s.setup.ctx.db.selectFrom('vault_connections').selectAll().where('id', '=', connectionId).executeTakeFirstOrThrow();
      const ring = vaultOf(s.setup.ctx).ring;
      await ring.reload();
      const secret = await openSecret(ring, row);
      if (secret.kind !== 'oauth') throw new Error(`not an oauth credential: ${secret.kind}`);
      return { row, secret };
    },
    /** Whether the upstream accepts `token` at its userinfo endpoint. */
    async userinfo(token: string) {
      return (await fetchWithin(`${s.up.issuer}/me`, { headers: { authorization: `Bearer ${token}` } })).status;
    },
  };
}
