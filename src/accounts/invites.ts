import type { Executor } from '../store/index.js';
import { randomToken, sha256 } from '../crypto/index.js';
import './tables.js';

/** The query parameter of an invite link; its name marks it secret, so request logs redact it (audit/scrub.ts). */
export const INVITE_PARAM = 'invite_token';

/** Creates a single-use sign-up invitation valid for `ttlMs`; returns the token (shown once, stored hashed). */
export async function createInvite(db: Executor, o: { ttlMs: number }): Promise<{ token: string; expiresAt: number }> {
  const token = `o3i_${randomToken(32)}`;
  const now = Date.now();
  const expiresAt = now + o.ttlMs;
  await db
    .insertInto('account_invites')
    .values({ token_hash: sha256(token), created_at: now, expires_at: expiresAt, used_at: null, used_by: null })
    .execute();
  return { token, expiresAt };
}

/** True when the invitation exists, is unused and unexpired. */
export async function inviteIsUsable(db: Executor, token: string | undefined): Promise<boolean> {
  if (!token || token.length > 200) return false;
  const row = await db
    .selectFrom('account_invites')
    .select('token_hash')
    .where('token_hash', '=', sha256(token))
    .where('used_at', 'is', null)
    .where('expires_at', '>', Date.now())
    .executeTakeFirst();
  return row !== undefined;
}

/** Marks a usable invitation used by `userId`, in the sign-up's transaction; false when it was not usable (replayed, expired). */
export async function consumeInvite(db: Executor, token: string, userId: string): Promise<boolean> {
  const now = Date.now();
  const res = await db
    .updateTable('account_invites')
    .set({ used_at: now, used_by: userId })
    .where('token_hash', '=', sha256(token))
    .where('used_at', 'is', null)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  return Number(res.numUpdatedRows) === 1;
}
