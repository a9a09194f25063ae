import type { AppContext } from '../kernel/index.js';
import './delegations-table.js';
import { parseScope } from '../scopes/index.js';
import { agentOwnerName } from './agent-owner-name.js';
import './agent-availability-table.js';

/** A token issued under a delegation: the delegation token itself (depth 0) or one exchanged from it. */
export interface ChainTokenView {
  jti: string;
  clientId: string;
  scopes: string[];
  audience: string[];
  parentJti: string | null;
  /** 0: the delegation token; n: exchanged n times. */
  depth: number;
  createdAt: number;
  expiresAt: number;
  lastUsedAt: number | null;
  lastUsedIp: string | null;
  revoked: boolean;
}

export interface DelegationView {
  id: string;
  agentId: string;
  scopes: string[];
  createdAt: number;
  expiresAt: number;
  revokedAt: number | null;
  /** The delegation token and every token exchanged from it, parents before children. */
  tokens: ChainTokenView[];
}

export interface AgentView {
  clientId: string;
  name: string;
  /** True when this person registered it (else it holds rights of theirs: delegated, exchanged, consented). */
  owned: boolean;
  /** Who runs it (their username) when it is not this person. */
  owner?: string;
  /** Its owner made it available for delegation by others. */
  available: boolean;
  /** Scopes it registered for. */
  scopes: string[];
  delegations: DelegationView[];
  /** Tokens of this person it holds through a chain (exchanged to it from another agent's delegation). */
  received: ChainTokenView[];
  lastUsedAt: number | null;
  /** Any live (unrevoked, unexpired) token of this person's. */
  active: boolean;
}

const n = (v: number | null) => (v === null ? null : Number(v));

/**
 * The Agents page model: every agent the person registered or gave rights to (delegation, token exchange
 * down a chain, consent), with its delegations, the exchanged descendants, scopes, last use and live state.
 */
export async function listAgents(ctx: AppContext, userId: string): Promise<AgentView[]> {
  const now = Date.now();
  const delegations = await ctx.db
    .selectFrom('delegations')
    .selectAll()
    .where('user_id', '=', userId)
    .orderBy('created_at', 'desc')
    .limit(500)
    .execute();
  const ids = delegations.map((d) => d.id);
  const tokenRows = ids.length
    ? await ctx.db.selectFrom('access_tokens').selectAll().where('grant_id', 'in', ids).orderBy('created_at', 'asc').execute()
    : [];
  const consented = await ctx.db
    .selectFrom('oauth_grants')
    .select('client_id')
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .execute();
  const clientIds = [
    ...new Set([...delegations.map((d) => d.agent_id), ...tokenRows.map((t) => t.client_id), ...consented.map((g) => g.client_id)]),
  ];
  const clients = await ctx.db
    .selectFrom('oauth_clients')
    .leftJoin('agent_availability', (j) =>
      j
        .onRef('agent_availability.agent_id', '=', 'oauth_clients.id')
        .onRef('agent_availability.owner_user_id', '=', 'oauth_clients.owner_user_id'),
    )
    .select(['id', 'name', 'scope', 'oauth_clients.owner_user_id', 'source', 'agent_availability.agent_id as available'])
    .where('source', '=', 'agent')
    .where((eb) => eb.or([eb('oauth_clients.owner_user_id', '=', userId), ...(clientIds.length ? [eb('id', 'in', clientIds)] : [])]))
    .orderBy('oauth_clients.created_at', 'desc')
    .execute();
  const owners = new Map<string, string>();
  for (const id of new Set(clients.map((c) => c.owner_user_id).filter((o): o is string => !!o && o !== userId)))
    owners.set(id, await agentOwnerName(ctx.db, id));

  const byJti = new Map<string, ChainTokenView>();
  for (const t of tokenRows) {
    const parent = t.parent_jti ? byJti.get(t.parent_jti) : undefined;
    const view: ChainTokenView = {
      jti: t.jti,
      clientId: t.client_id,
      scopes: parseScope(t.scope),
      audience: t.audience.split(' ').filter(Boolean),
      parentJti: t.parent_jti,
      depth: parent ? parent.depth + 1 : 0,
      createdAt: Number(t.created_at),
      expiresAt: Number(t.expires_at),
      lastUsedAt: n(t.last_used_at),
      lastUsedIp: t.last_used_ip,
      revoked: ctx.tokens.isRevoked([t.jti, ...(t.grant_id ? [t.grant_id] : [])]) || !!parent?.revoked,
    };
    byJti.set(t.jti, view);
  }
  const tokensOf = (delegationId: string) => tokenRows.filter((t) => t.grant_id === delegationId).map((t) => byJti.get(t.jti)!);
  const live = (t: ChainTokenView) => !t.revoked && t.expiresAt > now;
  return clients.map((c) => {
    const mine = delegations
      .filter((d) => d.agent_id === c.id)
      .map((d) => ({
        id: d.id,
        agentId: d.agent_id,
        scopes: parseScope(d.scope),
        createdAt: Number(d.created_at),
        expiresAt: Number(d.expires_at),
        revokedAt: n(d.revoked_at),
        tokens: tokensOf(d.id),
      }));
    const received = [...byJti.values()].filter((t) => t.clientId === c.id && t.depth > 0);
    const all = [...mine.flatMap((d) => d.tokens.filter((t) => t.clientId === c.id)), ...received];
    const used = all.map((t) => t.lastUsedAt).filter((x): x is number => x !== null);
    return {
      clientId: c.id,
      name: c.name,
      owned: c.owner_user_id === userId,
      ...(c.owner_user_id && c.owner_user_id !== userId ? { owner: owners.get(c.owner_user_id) } : {}),
      available: c.available !== null,
      scopes: parseScope(c.scope ?? undefined),
      delegations: mine,
      received,
      lastUsedAt: used.length ? Math.max(...used) : null,
      active: all.some(live) || consented.some((g) => g.client_id === c.id),
    };
  });
}
