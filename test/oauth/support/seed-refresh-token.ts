import { randomId } from '../../../src/crypto/index.js';
import { newRefreshToken } from '../../../src/oauth/tokens/refresh-token-key.js';
import type { TestApp } from '../../support/test-app.js';

/** A new family of `clientId` with one refresh token (scope `mcp`, for the gateway), written as the code grant writes them. */
export async function seedRefreshToken(app: TestApp, clientId: string, o: { userId?: string | null } = {}): Promise<string> {
  const familyId = randomId('fam');
  const now = Date.now();
  await app.ctx.db
    .insertInto('oauth_families')
    .values({
      id: familyId,
      grant_id: null,
      client_id: clientId,
      user_id: o.userId ?? null,
      scope: 'mcp',
      resource: app.url,
      created_at: now,
      revoked_at: null,
    })
    .execute();
  const { id, token, hash } = newRefreshToken();
  await app.ctx.db
    .insertInto('oauth_refresh_tokens')
    .values({ id, token_hash: hash, family_id: familyId, created_at: now, expires_at: now + 3_600_000, used_at: null })
    .execute();
  return token;
}
