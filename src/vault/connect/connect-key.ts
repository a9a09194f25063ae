import { checkKeyValues, type KeyProvider } from '../providers/index.js';
import type { Vault } from '../vault.js';

/** How long a key provider's verification call may take (ms). */
const VERIFY_TIMEOUT_MS = 10_000;

/**
 * Connects a key provider with the values the person entered: each checked against its field (present, matching
 * its pattern), then verified with the provider's own call when it has one (Telegram's getMe), which also names
 * the account; else the account is the first field that is not secret, if any. The values are sealed like any
 * credential and never shown again. Throws the provider's KeyValueError (a message for the person, never a value).
 */
export async function connectKey(
  vault: Vault,
  userId: string,
  provider: KeyProvider,
  entered: Record<string, unknown>,
): Promise<{ account: string | null }> {
  const values = checkKeyValues(provider, entered);
  const verified = provider.verify ? await provider.verify(values, AbortSignal.timeout(VERIFY_TIMEOUT_MS)) : undefined;
  const shown = provider.fields.find((f) => !f.secret);
  const account = verified?.account ?? (shown ? values[shown.name] : null);
  await vault.ctx.db
    .transaction()
    .execute((trx) =>
      vault.store({ userId, provider: provider.id, account, scopes: '', secret: { kind: 'key', values }, expiresAt: null }, trx),
    );
  return { account };
}
