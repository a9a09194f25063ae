import { randomBytes } from 'node:crypto';
import type { DataKeyRing } from '../../src/crypto/index.js';
import type { Db } from '../../src/store/index.js';
import { sealSecret } from '../../src/vault/credential-secret.js';
import type { VaultConnectionsTable } from '../../src/vault/tables.js';
import type { UsersTable } from '../../src/accounts/tables.js';

/** The key provider the vault's key tests connect (a preset: one secret field, `api_key`). */
export const KEY_PROVIDER = { preset: 'http_api_key', id: 'keyed' };

/** A seeded connection: its row id, its person and the API key sealed in it. */
export interface SeededCredential {
  id: string;
  userId: string;
  value: string;
}

/**
 * Stores `n` people, each with a connection of `provider` holding a random API key, sealed under the ring's primary
 * exactly as `Vault.store` seals (same aad, same JSON), in batch inserts of 500.
 */
export async function seedCredentials(db: Db, ring: DataKeyRing, n: number, provider = KEY_PROVIDER.id): Promise<SeededCredential[]> {
  const out: SeededCredential[] = [];
  const now = Date.now();
  const tag = randomBytes(4).toString('hex');
  for (let start = 0; start < n; start += 500) {
    const users: UsersTable[] = [];
    const connections: VaultConnectionsTable[] = [];
    for (let i = start; i < Math.min(n, start + 500); i++) {
      const userId = `usr_seed_${tag}_${i}`;
      const id = `vc_seed_${tag}_${String(i).padStart(6, '0')}`;
      const value = `key-${i}-${randomBytes(12).toString('base64url')}`;
      const { sealed, keyId } = sealSecret(ring, { id, user_id: userId, provider }, { kind: 'key', values: { api_key: value } });
      users.push({
        id: userId,
        webauthn_user_id: `wa_${tag}_${i}`,
        username: null,
        username_key: null,
        email: null,
        phone: null,
        wallet: null,
        created_at: now,
        updated_at: now,
      });
      connections.push({
        id,
        user_id: userId,
        provider,
        account: null,
        scopes: '',
        secret_sealed: sealed,
        key_id: keyId,
        expires_at: null,
        status: 'active',
        last_error: null,
        retry_after: null,
        lease_until: null,
        refreshed_at: now,
        last_used_at: null,
        last_used_by: null,
        created_at: now,
        updated_at: now,
      });
      out.push({ id, userId, value });
    }
    await db.transaction().execute(async (trx) => {
      await trx.insertInto('users').values(users).execute();
      await trx.insertInto('vault_connections').values(connections).execute();
    });
  }
  return out;
}
