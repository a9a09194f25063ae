import type { AppContext, RequestMeta } from '../kernel/index.js';
import { AppError, httpErrors } from '../errors/index.js';
import { agentsErrors } from './agents-errors.js';

/** Renames an agent the person registered (its client name, as the Agents page, consent and the log show it). */
export async function renameAgent(
  ctx: AppContext,
  userId: string,
  agentId: string,
  name: unknown,
  meta: Partial<RequestMeta> = {},
): Promise<string> {
  const next = typeof name === 'string' ? name.trim() : '';
  if (!next || next.length > 100) throw new AppError(httpErrors.ERR_VALIDATION, 'name must be 1 to 100 characters');
  return ctx.db.transaction().execute(async (trx) => {
    const agent = await trx
      .selectFrom('oauth_clients')
      .select('name')
      .where('id', '=', agentId)
      .where('source', '=', 'agent')
      .where('owner_user_id', '=', userId)
      .executeTakeFirst();
    if (!agent) throw new AppError(agentsErrors.ERR_AGENTS_NOT_FOUND);
    await trx.updateTable('oauth_clients').set({ name: next }).where('id', '=', agentId).execute();
    await ctx.audit.record(trx, {
      action: 'agent.renamed',
      actor: { type: 'user', id: userId },
      userId,
      target: { type: 'agent', id: agentId },
      ip: meta.ip,
      userAgent: meta.userAgent,
      detail: { from: agent.name, name: next },
    });
    return next;
  });
}
