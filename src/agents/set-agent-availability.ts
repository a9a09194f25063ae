import type { AppContext, RequestMeta } from '../kernel/index.js';
import { AppError, httpErrors } from '../errors/index.js';
import { getUser } from '../accounts/index.js';
import { agentsErrors } from './agents-errors.js';
import './agent-availability-table.js';

/** `available` as a JSON boolean or a form's "1" / "0". */
function parseAvailable(value: unknown): boolean {
  if (value === true || value === '1' || value === 'true') return true;
  if (value === false || value === '0' || value === 'false') return false;
  throw new AppError(httpErrors.ERR_VALIDATION, 'available must be true or false');
}

/**
 * The owner makes their agent available for delegation by others, or stops it (audited; no event when nothing
 * changes). Others who delegate to it see the owner's username, so one is needed first (409). Delegations already
 * made stay until they expire or are revoked; only new ones are refused.
 */
export async function setAgentAvailability(
  ctx: AppContext,
  userId: string,
  agentId: string,
  value: unknown,
  meta: Partial<RequestMeta> = {},
): Promise<{ name: string; available: boolean; changed: boolean }> {
  const available = parseAvailable(value);
  return ctx.db.transaction().execute(async (trx) => {
    const agent = await trx
      .selectFrom('oauth_clients')
      .select('name')
      .where('id', '=', agentId)
      .where('source', '=', 'agent')
      .where('owner_user_id', '=', userId)
      .executeTakeFirst();
    if (!agent) throw new AppError(agentsErrors.ERR_AGENTS_NOT_FOUND);
    let changed: boolean;
    if (available) {
      if (!(await getUser(trx, userId))?.username)
        throw new AppError(
          httpErrors.ERR_CONFLICT,
          'Choose a username on your Profile first: people who delegate to this agent see it as the one who runs it.',
        );
      const r = await trx
        .insertInto('agent_availability')
        .values({ agent_id: agentId, owner_user_id: userId, created_at: Date.now() })
        .onConflict((oc) => oc.column('agent_id').doNothing())
        .executeTakeFirst();
      changed = Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
    } else {
      const r = await trx.deleteFrom('agent_availability').where('agent_id', '=', agentId).executeTakeFirst();
      changed = Number(r.numDeletedRows) > 0;
    }
    if (changed)
      await ctx.audit.record(trx, {
        action: available ? 'agent.made_available' : 'agent.made_unavailable',
        actor: { type: 'user', id: userId },
        userId,
        target: { type: 'agent', id: agentId },
        ip: meta.ip,
        userAgent: meta.userAgent,
        detail: { name: agent.name },
      });
    return { name: agent.name, available, changed };
  });
}
