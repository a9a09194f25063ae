import type { Executor } from '../../store/index.js';
import { parseScope } from '../../scopes/index.js';

/** One row of "Authorized apps". */
export interface AuthorizedApp {
  grantId: string;
  clientId: string;
  clientName: string;
  scopes: string[];
  resources: string[];
  firstUsedAt: number;
  lastUsedAt: number;
}

/** A person's live grants, most recently used first. */
export async function listGrants(db: Executor, userId: string): Promise<AuthorizedApp[]> {
  const rows = await db
    .selectFrom('oauth_grants as g')
    .leftJoin('oauth_clients as c', 'c.id', 'g.client_id')
    .select(['g.id', 'g.client_id', 'c.name', 'g.scope', 'g.resource', 'g.created_at', 'g.last_used_at'])
    .where('g.user_id', '=', userId)
    .where('g.revoked_at', 'is', null)
    .orderBy('g.last_used_at', 'desc')
    .execute();
  return rows.map((r) => ({
    grantId: r.id,
    clientId: r.client_id,
    clientName: r.name ?? r.client_id,
    scopes: parseScope(r.scope),
    resources: r.resource.split(' '),
    firstUsedAt: Number(r.created_at),
    lastUsedAt: Number(r.last_used_at),
  }));
}
