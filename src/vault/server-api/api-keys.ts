import type { AppContext } from '../../kernel/index.js';
import type { Db } from '../../store/index.js';
import { randomId, sha256 } from '../../crypto/index.js';
import type { VaultApiKeysTable } from '../tables.js';
import { vaultApiKeyFormat } from './api-key-format.js';

/** A vault API key as the operator sees it (never the secret, which is shown once at creation). */
export interface ApiKeySummary {
  id: string;
  name: string;
  /** Providers it may ask for; null: any. */
  providers: string[] | null;
  createdAt: number;
  lastUsedAt: number | null;
  revokedAt: number | null;
}

/** The providers column: comma-separated ids, null for any. */
export const keyProviders = (row: Pick<VaultApiKeysTable, 'providers'>): string[] | null =>
  row.providers === null ? null : row.providers.split(',');

const toSummary = (r: VaultApiKeysTable): ApiKeySummary => ({
  id: r.id,
  name: r.name,
  providers: keyProviders(r),
  createdAt: Number(r.created_at),
  lastUsedAt: r.last_used_at === null ? null : Number(r.last_used_at),
  revokedAt: r.revoked_at === null ? null : Number(r.revoked_at),
});

/**
 * Makes an API key for an MCP server (`oauth3 apikey create`): the `o3k_` secret is returned once and stored only
 * as its SHA-256 hash. `providers` limits what it may ask for (checked by the caller against the configured ones).
 */
export async function createApiKey(
  ctx: Pick<AppContext, 'db' | 'audit'>,
  o: { name: string; providers?: readonly string[] | null },
): Promise<{ key: string; summary: ApiKeySummary }> {
  const key = vaultApiKeyFormat.generate();
  const row: VaultApiKeysTable = {
    id: randomId('vk_'),
    name: o.name,
    token_hash: sha256(key),
    providers: o.providers?.length ? o.providers.join(',') : null,
    created_at: Date.now(),
    last_used_at: null,
    revoked_at: null,
  };
  await ctx.db.transaction().execute(async (trx) => {
    await trx.insertInto('vault_api_keys').values(row).execute();
    await ctx.audit.record(trx, {
      action: 'vault.apikey_created',
      actor: { type: 'system' },
      target: { type: 'api_key', id: row.id },
      detail: { name: row.name, providers: keyProviders(row) },
    });
  });
  return { key, summary: toSummary(row) };
}

/** Every API key, oldest first, revoked ones too. */
export async function listApiKeys(db: Db): Promise<ApiKeySummary[]> {
  return (await db.selectFrom('vault_api_keys').selectAll().orderBy('id').execute()).map(toSummary);
}

/**
 * Revokes an API key: from then on it gets 401. Its allowances stay recorded but serve nothing (a revoked key
 * never authenticates). 'unknown' for no such key, 'already' when it was revoked before.
 */
export async function revokeApiKey(ctx: Pick<AppContext, 'db' | 'audit'>, id: string): Promise<'revoked' | 'already' | 'unknown'> {
  return ctx.db.transaction().execute(async (trx) => {
    const row = await trx.selectFrom('vault_api_keys').select(['id', 'name', 'revoked_at']).where('id', '=', id).executeTakeFirst();
    if (!row) return 'unknown';
    if (row.revoked_at !== null) return 'already';
    await trx.updateTable('vault_api_keys').set({ revoked_at: Date.now() }).where('id', '=', id).where('revoked_at', 'is', null).execute();
    await ctx.audit.record(trx, {
      action: 'vault.apikey_revoked',
      actor: { type: 'system' },
      target: { type: 'api_key', id },
      detail: { name: row.name },
    });
    return 'revoked';
  });
}
