import type { AppContext, Principal, RequestMeta } from '../kernel/index.js';
import { AppError, OAuthError, httpErrors } from '../errors/index.js';
import { randomId } from '../crypto/index.js';
import { writeStepOf } from '../store/index.js';
import { requestedScopes } from '../scopes/index.js';
import { personalCaller } from '../tokens/index.js';
import { checkGrantPolicy, grantPolicyStep, parseGrantPolicy } from '../proxy/index.js';
import { agentsErrors } from './agents-errors.js';
import { delegationTarget } from './delegation-target.js';
import './delegations-table.js';

export interface Delegation {
  delegation_id: string;
  delegation_token: string;
  token_type: 'Bearer';
  /** Epoch seconds. */
  expires_at: number;
  expires_in: number;
  scopes: string[];
  /** The username of who runs the agent, when it is not the person delegating (an agent they made available). */
  agent_owner?: string;
}

/**
 * A person delegates some of their rights to an agent: only for themselves (user_id must be theirs), to their own
 * agent or one its owner made available for delegation by others (see delegationTarget), only scopes the agent registered for AND the person (or the token they use) can grant, for a limited time
 * (default and maximum from config). The token is an RFC 9068 access token with the agent as client_id.
 */
export async function createDelegation(
  ctx: AppContext,
  principal: Principal,
  body: Record<string, unknown>,
  meta: Partial<RequestMeta> = {},
): Promise<Delegation> {
  const userId = personalCaller(principal, 'delegate');
  if (body.user_id !== undefined && body.user_id !== userId)
    throw new AppError(agentsErrors.ERR_AGENTS_OWN_RIGHTS_ONLY, 'you can only delegate your own rights (user_id must be yours)');
  const { agent, owner } = await delegationTarget(ctx, userId, body.agent_id);
  const scopes = requestedScopes(ctx.registries.scopes, principal, body.scopes);
  const notRegistered = scopes.filter((s) => !(agent.scope ?? []).includes(s));
  if (notRegistered.length)
    throw new AppError(agentsErrors.ERR_AGENTS_SCOPE_NOT_REGISTERED, `the agent is not registered for scope: ${notRegistered.join(' ')}`);
  let ttl = ctx.config.delegationTtl;
  if (body.expires_in !== undefined && body.expires_in !== null) {
    const n = Number(body.expires_in);
    if (!Number.isInteger(n) || n < 1 || n > ctx.config.delegationMaxTtl) {
      throw new AppError(
        httpErrors.ERR_VALIDATION,
        `expires_in must be a whole number of seconds from 1 to ${ctx.config.delegationMaxTtl}`,
      );
    }
    ttl = n;
  }
  if (principal.expiresAt !== null && principal.kind !== 'session')
    ttl = Math.min(ttl, principal.expiresAt - Math.floor(Date.now() / 1000)); // never outlive the token that asked
  let audience: string[];
  try {
    const requested = body.resource === undefined ? [] : [body.resource].flat().map(String);
    audience = (await ctx.resources.resolve(requested)).map((r) => r.url);
  } catch (e) {
    if (e instanceof OAuthError) throw new AppError(httpErrors.ERR_VALIDATION, `resource: ${e.error_description ?? e.error}`);
    throw e;
  }
  // The proxy's policy for this grant (rates, constraints, ask): checked now (400 naming what is wrong), stored with it.
  const policy = body.policy === undefined || body.policy === null ? undefined : parseGrantPolicy(body.policy);
  checkGrantPolicy(ctx, policy, scopes); // its keys bind actions granted, its constraints fields they have
  const id = randomId('dlg');
  const jti = randomId('at');
  // A delegation made with a token is derived from it: revoked with it, and bound by the proxy policies along it.
  const lineage = principal.kind === 'session' ? [id] : [...new Set([id, ...(principal.lineage ?? []), principal.tokenId])];
  const now = Date.now();
  const expiresAt = Math.floor(now / 1000) + ttl;
  const [issued] = (await ctx.tokens.issue({
    accessTokens: [{ userId, clientId: agent.clientId, scopes, audience, ttl, grantId: id, jti, issuedAt: now, lineage }],
    steps: [
      writeStepOf(
        ctx.db.insertInto('delegations').values({
          id,
          user_id: userId,
          agent_id: agent.clientId,
          scope: scopes.join(' '),
          jti,
          created_at: now,
          expires_at: expiresAt * 1000,
          revoked_at: null,
        }),
      ),
      ...(policy ? [grantPolicyStep(ctx.db, id, policy, now)] : []),
    ],
    audit: () => [
      {
        action: 'delegation.created',
        actor: { type: 'user', id: userId },
        userId,
        target: { type: 'agent', id: agent.clientId },
        ip: meta.ip,
        userAgent: meta.userAgent,
        detail: { delegation: id, scopes, expiresAt, via: principal.kind, ...(owner ? { agentOwner: owner.userId } : {}) },
      },
    ],
  }))!;
  return {
    delegation_id: id,
    delegation_token: issued.token,
    token_type: 'Bearer' as const,
    expires_at: issued.expiresAt,
    expires_in: ttl,
    scopes,
    ...(owner ? { agent_owner: owner.name } : {}),
  };
}
