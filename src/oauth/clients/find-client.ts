import type { Executor } from '../../store/index.js';
import { toClient, type OAuthClient } from './oauth-client.js';

/** The stored client with this client_id, or undefined. */
export async function findClient(db: Executor, clientId: string): Promise<OAuthClient | undefined> {
  if (!clientId || clientId.length > 2048) return undefined;
  const row = await db.selectFrom('oauth_clients').selectAll().where('id', '=', clientId).executeTakeFirst();
  return row ? toClient(row) : undefined;
}
