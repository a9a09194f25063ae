import type { AppContext } from '../../kernel/index.js';
import { randomToken } from '../../crypto/index.js';

/** How long a connect link stays good (ms): 10 minutes, as the issue says. */
export const CONNECT_SESSION_TTL_MS = 10 * 60_000;

/** A connect session as a server or the status API sees it. */
export interface ConnectSessionStatus {
  /** `upstream` (the person approved and went upstream) still reads `pending`: the flow is not finished. */
  status: 'pending' | 'complete' | 'error' | 'expired';
  userId: string;
  provider: string;
  /** The upstream account's name, once complete. */
  account?: string;
  /** The upstream's error code (or ours), when it ended in error. */
  error?: string;
  apiKeyId: string | null;
}

/**
 * Starts a connect flow for a person: a server's `/auth/init` (with its API key id) or the person on the
 * Connections page (`apiKeyId` null). The id is the link's secret part (`/auth/connect/<id>`): 256 random bits.
 * `returnTo` must be a gateway path (the caller checks it). Expires after 10 minutes; completes once.
 */
export async function createConnectSession(
  ctx: Pick<AppContext, 'db'>,
  s: { userId: string; provider: string; scopes: string[]; apiKeyId: string | null; returnTo?: string },
): Promise<{ id: string; expiresAt: number }> {
  const now = Date.now();
  const id = `cs_${randomToken()}`;
  const expiresAt = now + CONNECT_SESSION_TTL_MS;
  await ctx.db
    .insertInto('vault_connect_sessions')
    .values({
      id,
      user_id: s.userId,
      provider: s.provider,
      scopes: s.scopes.join(' '),
      api_key_id: s.apiKeyId,
      browser_session_id: null,
      state_hash: null,
      secret_sealed: null,
      status: 'pending',
      error: null,
      account: null,
      return_to: s.returnTo ?? null,
      expires_at: expiresAt,
      created_at: now,
      completed_at: null,
    })
    .execute();
  return { id, expiresAt };
}

/** Where a connect session stands (undefined: no such session). One that did not finish in time reads `expired`. */
export async function connectSessionStatus(
  ctx: Pick<AppContext, 'db'>,
  id: string,
  now = Date.now(),
): Promise<ConnectSessionStatus | undefined> {
  const row = await ctx.db
    .selectFrom('vault_connect_sessions')
    .select(['status', 'user_id', 'provider', 'account', 'error', 'api_key_id', 'expires_at'])
    .where('id', '=', id)
    .executeTakeFirst();
  if (!row) return undefined;
  const finished = row.status === 'complete' || row.status === 'error';
  const status = finished ? (row.status as 'complete' | 'error') : Number(row.expires_at) <= now ? 'expired' : 'pending';
  return {
    status,
    userId: row.user_id,
    provider: row.provider,
    ...(row.account !== null && status === 'complete' ? { account: row.account } : {}),
    ...(row.error !== null && status === 'error' ? { error: row.error } : {}),
    apiKeyId: row.api_key_id,
  };
}
