import { AppError } from '../../errors/index.js';
import { checkKeyValues, type KeyProvider } from '../providers/index.js';
import type { Vault } from '../vault.js';
import type { VaultConnectSessionsTable } from '../tables.js';
import { vaultErrors } from '../vault-errors.js';

/** How long a key provider's verification call may take (ms). */
const VERIFY_TIMEOUT_MS = 10_000;

/**
 * Connects a key provider with the values the person entered: each checked against its field (present, matching
 * its pattern), then verified with the provider's own call when it has one (Telegram's getMe), which also names
 * the account; else the account is the first field that is not secret, if any. The values are sealed like any
 * credential and never shown again. Throws the provider's KeyValueError (a message for the person, never a value).
 *
 * With `session` (a server's connect link, approved in `browserSessionId`), the connection, the allowance of that
 * server and the session's completion commit together, and only while the session is still pending and not
 * expired: a second approval is ERR_VAULT_SESSION_USED and stores nothing.
 */
export async function connectKey(
  vault: Vault,
  userId: string,
  provider: KeyProvider,
  entered: Record<string, unknown>,
  session?: { row: VaultConnectSessionsTable; browserSessionId: string },
): Promise<{ account: string | null }> {
  const values = checkKeyValues(provider, entered);
  const verified = provider.verify ? await provider.verify(values, AbortSignal.timeout(VERIFY_TIMEOUT_MS)) : undefined;
  const shown = provider.fields.find((f) => !f.secret);
  const account = verified?.account ?? (shown ? values[shown.name] : null);
  await vault.ctx.db.transaction().execute(async (trx) => {
    if (session) {
      // The session first: a concurrent approval waits on its row and then finds it complete, before storing anything.
      const now = Date.now();
      const done = await trx
        .updateTable('vault_connect_sessions')
        .set({ status: 'complete', account, browser_session_id: session.browserSessionId, completed_at: now })
        .where('id', '=', session.row.id)
        .where('user_id', '=', userId)
        .where('status', '=', 'pending')
        .where('expires_at', '>', now)
        .executeTakeFirst();
      if (Number(done.numUpdatedRows) === 0) throw new AppError(vaultErrors.ERR_VAULT_SESSION_USED);
    }
    await vault.store({ userId, provider: provider.id, account, scopes: '', secret: { kind: 'key', values }, expiresAt: null }, trx);
    if (session?.row.api_key_id) await vault.allow(userId, provider.id, `apikey:${session.row.api_key_id}`, trx);
  });
  return { account };
}
