import type { AppContext } from '../server/context.js';
import { AppError, OAuthError } from '../errors/index.js';
import { randomId } from '../crypto/index.js';
import { findClient, resourcesOf } from '../oauth/index.js';
import { personalCaller, requestedScopes, type Principal, type RequestMeta } from '../tokens/index.js';
import './delegations-table.js';

export interface Delegation {
  delegation_id: string;
  delegation_token: string;
  token_type: 'Bearer';
  /** Epoch seconds. */
  expires_at: number;
  expires_in: number;
  scopes: string[];
}

/**
 * A person delegates some of their rights to an agent: only for themselves (user_id must be theirs), only
 * scopes the agent registered for AND the person (or the token they use) can grant, for a limited time
 * (default and maximum from config). The token is an RFC 9068 access token with the agent as client_id.
 */
export async function createDelegation(ctx: AppContext, principal: Principal, body: Record<string, unknown>, meta: RequestMeta = {}): Promise<Delegation> {
  const userId = personalCaller(principal, 'delegate');
  if (body.user_id !== undefined && body.user_id !== userId) throw new AppError('ERR_FORBIDDEN', 'you can only delegate your own rights (user_id must be yours)');
  if (typeof body.agent_id !== 'string' || !body.agent_id) throw new AppError('ERR_VALIDATION', 'agent_id is required');
  const agent = body.agent_id.length <= 2048 ? await findClient(ctx.db, body.agent_id) : undefined;
  if (!agent || agent.source !== 'agent') throw new AppError('ERR_NOT_FOUND', 'no such agent');
  const scopes = requestedScopes(ctx.scopes, principal, body.scopes);
  const notRegistered = scopes.filter((s) => !(agent.scope ?? []).includes(s));
  if (notRegistered.length) throw new AppError('ERR_FORBIDDEN', `the agent is not registered for scope: ${notRegistered.join(' ')}`);
  let ttl = ctx.config.delegationTtl;
  if (body.expires_in !== undefined && body.expires_in !== null) {
    const n = Number(body.expires_in);
    if (!Number.isInteger(n) || n < 1 || n > ctx.config.delegationMaxTtl) {
      throw new AppError('ERR_VALIDATION', `expires_in must be a whole number of seconds from 1 to ${ctx.config.delegationMaxTtl}`);
    }
    ttl = n;
  }
  if (principal.expiresAt !== null && principal.kind !== 'session') ttl = Math.min(ttl, principal.expiresAt - Math.floor(Date.now() / 1000)); // never outlive the token that asked
  let audience: string[];
  try {
    const requested = body.resource === undefined ? [] : [body.resource].flat().map(String);
    audience = (await resourcesOf(ctx).resolve(requested)).map((r) => r.url);
  } catch (e) {
    if (e instanceof OAuthError) throw new AppError('ERR_VALIDATION', `resource: ${e.error_description ?? e.error}`);
    throw e;
  }
  const id = randomId('dlg');
  return ctx.db.transaction().execute(async (trx) => {
    const issued = await ctx.tokens.issueAccessToken(trx, { userId, clientId: agent.clientId, scopes, audience, ttl, grantId: id });
    await trx.insertInto('delegations').values({
      id, user_id: userId, agent_id: agent.clientId, scope: scopes.join(' '), jti: issued.jti, created_at: Date.now(), expires_at: issued.expiresAt * 1000, revoked_at: null,
    }).execute();
    await ctx.audit.record(trx, {
      action: 'delegation.created', actor: { type: 'user', id: userId }, userId, target: { type: 'agent', id: agent.clientId },
      ip: meta.ip, userAgent: meta.userAgent, detail: { delegation: id, scopes, expiresAt: issued.expiresAt, via: principal.kind },
    });
    return { delegation_id: id, delegation_token: issued.token, token_type: 'Bearer' as const, expires_at: issued.expiresAt, expires_in: ttl, scopes };
  });
}
