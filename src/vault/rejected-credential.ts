import type { ServedCredential, Vault } from './vault.js';

/**
 * The upstream refused a credential the vault served (HTTP 401): an OAuth token is marked expired, so the next
 * `credentialFor` refreshes it (once across processes, as any refresh). Only the token that was served is marked: a
 * refresh that happened since (its expiry differs) is kept. Returns false when there is nothing to refresh from (a
 * key provider's values): the caller marks the connection as needing re-authorization.
 */
export async function expireRejected(vault: Vault, userId: string, served: ServedCredential): Promise<boolean> {
  if (vault.provider(served.provider).kind === 'api_key') return false;
  await vault.ctx.db
    .updateTable('vault_connections')
    .set({ expires_at: 0, updated_at: Date.now() })
    .where('user_id', '=', userId)
    .where('provider', '=', served.provider)
    .where('status', '=', 'active')
    .where('expires_at', served.expiresAt === null ? 'is' : '=', served.expiresAt)
    .execute();
  return true;
}

/**
 * The upstream refused the connection's credential even when fresh: the person must connect the account again.
 * Marks the connection `needs_reauth` (the Connections page says so; `credentialFor` refuses with
 * ERR_VAULT_NEEDS_REAUTH until they reconnect), with the audit event `vault.needs_reauth`.
 */
export async function markNeedsReauth(vault: Vault, userId: string, provider: string, reason: string): Promise<void> {
  await vault.ctx.db.transaction().execute(async (trx) => {
    const row = await vault.connection(userId, provider, trx);
    if (!row || row.status === 'needs_reauth') return;
    await trx
      .updateTable('vault_connections')
      .set({ status: 'needs_reauth', last_error: reason.slice(0, 200), retry_after: null, updated_at: Date.now() })
      .where('id', '=', row.id)
      .execute();
    await vault.ctx.audit.record(trx, {
      action: 'vault.needs_reauth',
      result: 'failure',
      actor: { type: 'system' },
      userId,
      target: { type: 'connection', id: row.id },
      detail: { provider, error: reason.slice(0, 200) },
    });
  });
}
