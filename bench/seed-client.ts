// The OAuth client a bench drives the token endpoint with, seeded through the gateway's own code before it serves:
// a confidential client (client_credentials, refresh_token) and `chains` live refresh tokens, each in a family of its
// own, so every connection of a refresh load can follow its own rotations.
import type { AppContext } from '../src/kernel/index.js';

/** The client's Basic authorization header and the live refresh tokens. */
export interface SeededClient {
  clientId: string;
  clientSecret: string;
  auth: string;
  refresh: string[];
}

/** Seeds it into `ctx`'s database; `resource` is the audience of the refresh families (the gateway's public URL). */
export async function seedClient(ctx: AppContext, resource: string, chains: number): Promise<SeededClient> {
  const { createClient } = await import('../src/oauth/index.js');
  const { randomId } = await import('../src/crypto/index.js');
  const { newRefreshToken } = await import('../src/oauth/tokens/refresh-token-key.js');
  const { client, clientSecret } = await createClient(ctx.db, {
    name: 'bench',
    grantTypes: ['client_credentials', 'refresh_token'],
    redirectUris: ['https://rp.example/cb'],
  });
  const now = Date.now();
  const refresh: string[] = [];
  for (let i = 0; i < chains; i++) {
    const familyId = randomId('fam');
    await ctx.db
      .insertInto('oauth_families')
      .values({
        id: familyId,
        grant_id: null,
        client_id: client.clientId,
        user_id: `u${i}`,
        scope: 'mcp',
        resource,
        created_at: now,
        revoked_at: null,
      })
      .execute();
    const { id, token, hash } = newRefreshToken();
    await ctx.db
      .insertInto('oauth_refresh_tokens')
      .values({ id, token_hash: hash, family_id: familyId, created_at: now, expires_at: now + 86_400_000, used_at: null })
      .execute();
    refresh.push(token);
  }
  return {
    clientId: client.clientId,
    clientSecret: clientSecret!,
    auth: `Basic ${Buffer.from(`${client.clientId}:${clientSecret!}`).toString('base64')}`,
    refresh,
  };
}

/** Opens the gateway of `env` in this process (migrated, its modules started, logging nothing), runs `fn`, closes it. */
export async function withGatewayContext<T>(env: Record<string, string>, fn: (ctx: AppContext) => Promise<T>): Promise<T> {
  const { createContext, closeContext, createLogger, loadGateway } = await import('../src/server/index.js');
  const { config, modules } = await loadGateway(env);
  const ctx = await createContext(config, createLogger('silent'), modules, { defaultMetrics: false });
  try {
    return await fn(ctx);
  } finally {
    await closeContext(ctx);
  }
}
