import type { AppContext } from '../kernel/index.js';
import { AppError, httpErrors } from '../errors/index.js';
import { findClient, type OAuthClient } from '../oauth/index.js';
import { agentsErrors } from './agents-errors.js';
import { agentOwnerName } from './agent-owner-name.js';
import './agent-availability-table.js';

/** An agent a person may delegate to, and who runs it when that is not the person. */
export interface DelegationTarget {
  agent: OAuthClient;
  /** Undefined for the person's own agent; else its owner, named by username, as the delegate step shows. */
  owner?: { userId: string; name: string };
}

/**
 * The agent `agentId` names, if `userId` may delegate to it: their own, or one its owner made available for
 * delegation by others (else 403 ERR_AGENTS_NOT_AVAILABLE, naming nobody). Unknown: 404.
 */
export async function delegationTarget(ctx: AppContext, userId: string, agentId: unknown): Promise<DelegationTarget> {
  if (typeof agentId !== 'string' || !agentId) throw new AppError(httpErrors.ERR_VALIDATION, 'agent_id is required');
  const agent = agentId.length <= 2048 ? await findClient(ctx.db, agentId) : undefined;
  if (!agent || agent.source !== 'agent' || !agent.ownerUserId) throw new AppError(agentsErrors.ERR_AGENTS_NOT_FOUND, 'no such agent');
  if (agent.ownerUserId === userId) return { agent };
  const available = await ctx.db
    .selectFrom('agent_availability')
    .select('agent_id')
    .where('agent_id', '=', agent.clientId)
    .where('owner_user_id', '=', agent.ownerUserId)
    .executeTakeFirst();
  if (!available)
    throw new AppError(
      agentsErrors.ERR_AGENTS_NOT_AVAILABLE,
      'This agent is run by someone else, who has not made it available for delegation by others: ask them to, on their Agents page.',
    );
  return { agent, owner: { userId: agent.ownerUserId, name: await agentOwnerName(ctx.db, agent.ownerUserId) } };
}
