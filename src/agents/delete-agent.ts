import type { AppContext, RequestMeta } from '../kernel/index.js';
import { AppError } from '../errors/index.js';
import { agentsErrors } from './agents-errors.js';
import { revokeAgentAccess } from './revoke-agent-access.js';

/**
 * Deletes an agent the person registered: first everything it holds is revoked (as "Revoke all access"), then
 * its client is removed, so its credentials are refused at /token. Returns its name and the tokens revoked.
 */
export async function deleteAgent(
  ctx: AppContext,
  userId: string,
  agentId: string,
  meta: Partial<RequestMeta> = {},
): Promise<{ name: string; revoked: number }> {
  const owned = await ctx.db
    .selectFrom('oauth_clients')
    .select('name')
    .where('id', '=', agentId)
    .where('source', '=', 'agent')
    .where('owner_user_id', '=', userId)
    .executeTakeFirst();
  if (!owned) throw new AppError(agentsErrors.ERR_AGENTS_NOT_FOUND);
  const revoked = await revokeAgentAccess(ctx, userId, agentId, meta);
  await ctx.db.transaction().execute(async (trx) => {
    await trx.deleteFrom('oauth_clients').where('id', '=', agentId).where('owner_user_id', '=', userId).execute();
    await ctx.audit.record(trx, {
      action: 'agent.deleted',
      actor: { type: 'user', id: userId },
      userId,
      target: { type: 'agent', id: agentId },
      ip: meta.ip,
      userAgent: meta.userAgent,
      detail: { name: owned.name, revokedCount: revoked },
    });
  });
  return { name: owned.name, revoked };
}
