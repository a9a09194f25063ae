import type { Executor } from '../../store/index.js';
import '../tables.js';

/** One registered client as an operator sees it (`oauth3 clients list`). */
export interface ClientSummary {
  clientId: string;
  name: string;
  /** static, dcr, cimd or agent (see OAuthClientsTable.source). */
  source: string;
  createdAt: number;
  /** The latest of its grants' last use and its last access token; null when it never got one. */
  lastUsedAt: number | null;
}

const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

/** Every registered client, oldest first. */
export async function listClients(db: Executor): Promise<ClientSummary[]> {
  const rows = await db
    .selectFrom('oauth_clients as c')
    .select((eb) => [
      'c.id',
      'c.name',
      'c.source',
      'c.created_at',
      eb
        .selectFrom('oauth_grants as g')
        .select((e) => e.fn.max('g.last_used_at').as('m'))
        .whereRef('g.client_id', '=', 'c.id')
        .as('grant_used'),
      eb
        .selectFrom('access_tokens as t')
        .select((e) => e.fn.max('t.created_at').as('m'))
        .whereRef('t.client_id', '=', 'c.id')
        .as('token_issued'),
    ])
    .orderBy('c.created_at')
    .orderBy('c.id')
    .execute();
  return rows.map((r) => {
    const times = [num(r.grant_used), num(r.token_issued)].filter((t): t is number => t !== null);
    return {
      clientId: r.id,
      name: r.name,
      source: r.source,
      createdAt: Number(r.created_at),
      lastUsedAt: times.length ? Math.max(...times) : null,
    };
  });
}
