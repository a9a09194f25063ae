import type { AppContext, RequestMeta } from '../kernel/index.js';
import { revokeGrant } from '../oauth/index.js';
import { revokeDelegations } from './revoke-delegation.js';
import './delegations-table.js';

/**
 * The Agents page's one revoke: everything of this person's the agent holds, and everything derived from it,
 * at once: its delegations (with their exchanged descendants, whoever holds them), tokens exchanged to it from
 * other delegations (with their descendants), and OAuth consents given to it. Returns the tokens revoked.
 */
export async function revokeAgentAccess(
  ctx: AppContext,
  userId: string,
  agentId: string,
  meta: Partial<RequestMeta> = {},
): Promise<number> {
  const now = Date.now();
  const count = await ctx.db.transaction().execute(async (trx) => {
    const delegations = await trx
      .selectFrom('delegations')
      .select(['id', 'expires_at'])
      .where('user_id', '=', userId)
      .where('agent_id', '=', agentId)
      .where('revoked_at', 'is', null)
      .execute();
    const viaDelegations = await revokeDelegations(ctx, trx, delegations);
    const held = await trx
      .selectFrom('access_tokens')
      .select('jti')
      .where('user_id', '=', userId)
      .where('client_id', '=', agentId)
      .where('expires_at', '>', now)
      .execute();
    const viaHeld = await ctx.tokens.revokeTree(trx, { jtis: held.map((t) => t.jti) });
    const revoked = new Set([...viaDelegations, ...viaHeld].map((t) => t.id)).size;
    await ctx.audit.record(trx, {
      action: 'delegation.revoked',
      actor: { type: 'user', id: userId },
      userId,
      target: { type: 'agent', id: agentId },
      ip: meta.ip,
      userAgent: meta.userAgent,
      detail: { revoked: 'all access of the agent', delegations: delegations.length, revokedCount: revoked },
    });
    return revoked;
  });
  const grants = await ctx.db
    .selectFrom('oauth_grants')
    .select('id')
    .where('user_id', '=', userId)
    .where('client_id', '=', agentId)
    .where('revoked_at', 'is', null)
    .execute();
  for (const g of grants)
    await revokeGrant(ctx, { userId, grantId: g.id, ip: meta.ip ?? undefined, userAgent: meta.userAgent ?? undefined });
  return count;
}
