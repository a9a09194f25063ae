import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../kernel/index.js';
import { AppError } from '../../errors/index.js';
import { createConnectSession, connectSessionStatus } from '../connect/connect-sessions.js';
import { vaultOf } from '../vault-of.js';
import { vaultErrors } from '../vault-errors.js';
import { ApiKeyAuth, type ApiKey } from './api-key-auth.js';
import { resolvePerson, personInPath, type PersonRef } from './resolve-person.js';
import { servedToken } from './served-token.js';
import { initSchema, providersSchema, revokeSchema, statusSchema, tokenSchema } from './server-api-schemas.js';
import { withWayForward } from './way-forward.js';

const seconds = (ms: number | null): number | null => (ms === null ? null : Math.floor(Number(ms) / 1000));

/** The provider a key may ask for: configured (404 ERR_VAULT_UNKNOWN_PROVIDER), and within the key's limit (403). */
function providerFor(ctx: AppContext, key: ApiKey, id: string) {
  const provider = vaultOf(ctx).provider(id);
  if (key.providers !== null && !key.providers.includes(id))
    throw new AppError(vaultErrors.ERR_VAULT_API_KEY_PROVIDER, `This API key may ask only for: ${key.providers.join(', ')}.`, {
      provider: id,
    });
  return provider;
}

/**
 * The person must have allowed this server (`apikey:<id>`) to use their connection of the provider: checked before
 * anything about the connection is said, so a server learns nothing of a person who did not allow it (403, with
 * the way to ask them: /auth/init).
 */
async function requireAllowed(ctx: AppContext, key: ApiKey, userId: string, provider: string): Promise<void> {
  if (!(await vaultOf(ctx).isAllowed(userId, provider, key.server))) {
    throw new AppError(vaultErrors.ERR_VAULT_NOT_ALLOWED, undefined, { provider });
  }
}

/**
 * The vault's server API for MCP servers, with a vault API key (`Authorization: Bearer o3k_…` or `X-API-Key`):
 * start a connect flow for a person (`/auth/init`, `/auth/status/{id}`), get their fresh upstream token
 * (`/auth/token`), see (`/auth/providers/{email}`) and remove (`/auth/revoke`) their connections, only those the
 * person allowed this server to use. An error the server can act on says how (details.init, Retry-After).
 */
export async function serverApiRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const auth = new ApiKeyAuth(ctx);

  app.post('/auth/init', { schema: initSchema }, async (request, reply) => {
    const key = await auth.authenticate(request, reply);
    const body = request.body as PersonRef & { provider: string; scopes?: string | string[] };
    const provider = providerFor(ctx, key, body.provider);
    const userId = await resolvePerson(ctx, body);
    const scopes = (Array.isArray(body.scopes) ? body.scopes : (body.scopes ?? '').split(/\s+/)).filter(Boolean);
    const session = await createConnectSession(ctx, {
      userId,
      provider: provider.id,
      scopes: provider.kind === 'api_key' ? [] : [...new Set(scopes)],
      apiKeyId: key.id,
    });
    return {
      session_id: session.id,
      auth_url: `${ctx.config.publicUrl.replace(/\/+$/, '')}/auth/connect/${encodeURIComponent(session.id)}`,
      expires_at: Math.floor(session.expiresAt / 1000),
    };
  });

  app.get('/auth/status/:session_id', { schema: statusSchema }, async (request, reply) => {
    const key = await auth.authenticate(request, reply);
    const s = await connectSessionStatus(ctx, (request.params as { session_id: string }).session_id);
    // another key's session, or one the person started on their Connections page, is not this server's to see
    if (!s || s.apiKeyId !== key.id) throw new AppError(vaultErrors.ERR_VAULT_SESSION_NOT_FOUND);
    return {
      status: s.status,
      provider: s.provider,
      ...(s.status === 'complete' ? { user_id: s.userId } : {}),
      ...(s.account !== undefined ? { account: s.account } : {}),
      ...(s.error !== undefined ? { error: s.error } : {}),
    };
  });

  app.post('/auth/token', { schema: tokenSchema }, async (request, reply) => {
    const key = await auth.authenticate(request, reply);
    const body = request.body as PersonRef & { provider: string; min_ttl?: number };
    const provider = providerFor(ctx, key, body.provider);
    const userId = await resolvePerson(ctx, body);
    reply.header('cache-control', 'no-store'); // a credential (RFC 6749 §5.1 asks the same of token answers)
    return withWayForward(ctx, reply, { userId, provider: provider.id }, async () => {
      await requireAllowed(ctx, key, userId, provider.id);
      const served = servedToken(
        provider,
        await vaultOf(ctx).credentialFor(
          userId,
          provider.id,
          { server: key.server, name: key.name, ip: request.ip },
          { minTtl: body.min_ttl },
        ),
      );
      return {
        access_token: served.token,
        token_type: served.tokenType,
        expires_at: served.expiresAt,
        scope: served.scope,
        ...(served.values ? { values: served.values } : {}),
      };
    });
  });

  app.get('/auth/providers/:person', { schema: providersSchema }, async (request, reply) => {
    const key = await auth.authenticate(request, reply);
    const userId = await resolvePerson(ctx, personInPath((request.params as { person: string }).person));
    const vault = vaultOf(ctx);
    const allowed = new Set((await vault.allowances(userId)).filter((a) => a.server === key.server).map((a) => a.provider));
    const visible = (await vault.connections(userId)).filter(
      (c) => allowed.has(c.provider) && (key.providers === null || key.providers.includes(c.provider)),
    );
    return {
      user_id: userId,
      providers: visible.map((c) => ({
        provider: c.provider,
        name: vault.providers.find((p) => p.id === c.provider)?.name ?? c.provider,
        account: c.account,
        scopes: c.scopes,
        status: c.status,
        expires_at: seconds(c.expires_at),
        connected_at: seconds(c.created_at),
        last_used_at: seconds(c.last_used_at),
      })),
    };
  });

  app.delete('/auth/revoke', { schema: revokeSchema }, async (request, reply) => {
    const key = await auth.authenticate(request, reply);
    const body = request.body as PersonRef & { provider: string };
    const provider = providerFor(ctx, key, body.provider);
    const userId = await resolvePerson(ctx, body);
    return withWayForward(ctx, reply, { userId, provider: provider.id }, async () => {
      await requireAllowed(ctx, key, userId, provider.id);
      const done = await vaultOf(ctx).disconnect(userId, provider.id, { type: 'client', id: key.server });
      if (!done) throw new AppError(vaultErrors.ERR_VAULT_NOT_CONNECTED, undefined, { provider: provider.id });
      return { provider: provider.id, disconnected: true, revoked_upstream: done.revokedUpstream };
    });
  });
}
