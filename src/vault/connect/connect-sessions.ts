import type { AppContext } from '../../kernel/index.js';
import { randomToken } from '../../crypto/index.js';
import { AppError } from '../../errors/index.js';
import type { Executor } from '../../store/index.js';
import type { VaultConnectSessionsTable } from '../tables.js';
import { vaultErrors } from '../vault-errors.js';

/** How long a connect link stays good (ms): 10 minutes, as the issue says. */
export const CONNECT_SESSION_TTL_MS = 10 * 60_000;
/** How long a finished or expired session is kept for `/auth/status` (ms): a day, then it is deleted. */
export const CONNECT_SESSION_KEEP_MS = 24 * 3600_000;

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
 * `returnTo` must be a gateway path (the caller checks it). Expires after 10 minutes; completes once. Sessions that
 * expired more than a day ago are deleted here (indexed by expiry), so the table holds only recent ones.
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
  await ctx.db
    .deleteFrom('vault_connect_sessions')
    .where('expires_at', '<', now - CONNECT_SESSION_KEEP_MS)
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

/** The stored connect session with this id (undefined: none). */
export function findConnectSession(db: Executor, id: string): Promise<VaultConnectSessionsTable | undefined> {
  if (!id || id.length > 200) return Promise.resolve(undefined);
  return db.selectFrom('vault_connect_sessions').selectAll().where('id', '=', id).executeTakeFirst();
}

/**
 * Refuses a connect session that can no longer be approved in this browser: one that finished (complete, error),
 * or went upstream from another browser session, is used (409); one past its 10 minutes is expired (410). A
 * session this browser already took upstream may be approved again (the person came back without finishing):
 * that replaces its `state`, so the earlier upstream answer is refused.
 */
export function refuseUnapprovable(row: VaultConnectSessionsTable, browserSessionId: string, now = Date.now()): void {
  const mine = row.status === 'upstream' && row.browser_session_id === browserSessionId;
  if (row.status !== 'pending' && !mine) throw new AppError(vaultErrors.ERR_VAULT_SESSION_USED);
  if (Number(row.expires_at) <= now) throw new AppError(vaultErrors.ERR_VAULT_SESSION_EXPIRED);
}
