import type { Db } from '../store/index.js';
import { sha256 } from '../crypto/index.js';
import { hasValidApiTokenChecksum } from './api-token-format.js';
import type { Principal } from '../kernel/index.js';
import type { VerifiedEntry } from './verified-cache.js';
import './api-tokens-table.js';

/**
 * Resolves a personal API token to a cache entry, or returns why it is refused. The checksum is checked first,
 * with no I/O: a mistyped or forged token never reaches the database. Then one indexed lookup by SHA-256 hash.
 */
export async function lookupApiToken(db: Db, token: string, nowMs: number): Promise<VerifiedEntry | string> {
  if (!hasValidApiTokenChecksum(token)) return 'malformed API token (bad checksum)';
  const row = await db
    .selectFrom('api_tokens')
    .select(['id', 'user_id', 'scope', 'expires_at', 'revoked_at'])
    .where('token_hash', '=', sha256(token))
    .executeTakeFirst();
  if (!row) return 'unknown API token';
  if (row.revoked_at !== null) return 'token revoked';
  const expMs = row.expires_at === null ? Infinity : Number(row.expires_at);
  if (expMs <= nowMs) return 'token expired';
  const principal: Principal = {
    kind: 'api_token',
    tokenId: row.id,
    userId: row.user_id,
    clientId: null,
    scopes: row.scope ? row.scope.split(' ') : [],
    audience: [],
    chain: [],
    expiresAt: expMs === Infinity ? null : Math.floor(expMs / 1000),
    lineage: [],
  };
  return { principal, revocationIds: [row.id], expiresAtMs: expMs, checkedAt: -1 };
}
