import type { AppContext, Principal, RequestMeta } from '../kernel/index.js';
import { AppError, httpErrors } from '../errors/index.js';
import { createClient, redirectUriProblem, TOKEN_EXCHANGE } from '../oauth/index.js';
import { requestedScopes } from '../scopes/index.js';
import { personalCaller } from '../tokens/index.js';

/** RFC 8693 grant type URN: agents may exchange their delegated tokens for narrower ones for sub-agents. */

export interface RegisteredAgent {
  client_id: string;
  client_secret: string;
  name: string;
  scopes: string[];
}

/**
 * Registers an agent: an OAuth client (source `agent`) owned by the person, with the scopes it may ever be
 * given, which must be scopes the person can grant. The secret is returned once and stored as SHA-256.
 */
export async function registerAgent(
  ctx: AppContext,
  principal: Principal,
  body: Record<string, unknown>,
  meta: Partial<RequestMeta> = {},
): Promise<RegisteredAgent> {
  const userId = personalCaller(principal, 'register an agent');
  const name = typeof body.name === 'string' ? body.name.trim() : '';
  if (!name || name.length > 100) throw new AppError(httpErrors.ERR_VALIDATION, 'name must be 1 to 100 characters');
  const scopes = requestedScopes(ctx.registries.scopes, principal, body.scopes);
  const redirectUris = body.redirect_uris === undefined ? [] : body.redirect_uris;
  if (!Array.isArray(redirectUris) || redirectUris.length > 10)
    throw new AppError(httpErrors.ERR_VALIDATION, 'redirect_uris must be an array of at most 10 URIs');
  for (const uri of redirectUris) {
    const problem = redirectUriProblem(uri);
    if (problem) throw new AppError(httpErrors.ERR_VALIDATION, `redirect_uris: ${problem}`);
  }
  return ctx.db.transaction().execute(async (trx) => {
    const { client, clientSecret } = await createClient(trx, {
      name,
      scope: scopes,
      source: 'agent',
      ownerUserId: userId,
      redirectUris: redirectUris as string[],
      grantTypes: [TOKEN_EXCHANGE, ...(redirectUris.length ? ['authorization_code', 'refresh_token'] : [])],
    });
    await ctx.audit.record(trx, {
      action: 'agent.registered',
      actor: { type: 'user', id: userId },
      userId,
      target: { type: 'agent', id: client.clientId },
      ip: meta.ip,
      userAgent: meta.userAgent,
      detail: { name, scopes, via: principal.kind },
    });
    return { client_id: client.clientId, client_secret: clientSecret!, name, scopes };
  });
}
