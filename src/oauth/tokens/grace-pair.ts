import type { AuthorizationServer } from '../authorization-server.js';
import { preparedQuery } from '../../store/index.js';
import type { TokenResponse } from '../grants/grant-descriptor.js';
import { successorOf } from './successor.js';
import { scopeField } from './scope-field.js';
import { parseScope } from '../../scopes/index.js';

const accessRow = preparedQuery(['jti'], (db, slot) => db.selectFrom('access_tokens').selectAll().where('jti', '=', slot('jti')));
const refreshHash = preparedQuery(['id'], (db, slot) =>
  db.selectFrom('oauth_refresh_tokens').select(['token_hash', 'family_id']).where('id', '=', slot('id')),
);

/**
 * The grace window (OAUTH3_OAUTH_REFRESH_GRACE): the pair that rotating `oldId` at `usedAt` issued, for a concurrent
 * refresh with the same old token while the window lasts; undefined after it, or when no such rotation committed.
 * Nothing of it was kept: its refresh token and jti are derived again (successor.ts), and their rows, written in
 * the rotation's transaction, give the rest. The answer is the same refresh token and an access token with the
 * same jti, claims and expiry (its payload byte for byte), signed again with the active key.
 */
export async function gracePair(
  as: AuthorizationServer,
  familyId: string,
  oldId: string,
  usedAt: number,
): Promise<TokenResponse | undefined> {
  const { ctx } = as;
  const windowMs = ctx.config.oauthRefreshGraceSeconds * 1000;
  if (!windowMs || Date.now() - usedAt > windowMs) return undefined;
  const next = successorOf(as.successorKey, oldId, usedAt);
  const [access, refresh] = await Promise.all([accessRow(ctx.db, { jti: next.jti }), refreshHash(ctx.db, { id: next.refresh.id })]);
  const a = access.rows[0];
  const r = refresh.rows[0];
  // Both rows, in the old token's family, and the refresh row made from this very token (not a master key ago).
  if (!a || !r || a.family_id !== familyId || r.family_id !== familyId || r.token_hash !== next.refresh.hash) return undefined;
  const issuedAt = Number(a.created_at);
  const ttl = Number(a.expires_at) / 1000 - Math.floor(issuedAt / 1000);
  const scopes = parseScope(a.scope);
  const token = ctx.tokens.signAgain({
    userId: a.user_id,
    clientId: a.client_id,
    scopes,
    audience: a.audience.split(' '),
    ttl,
    grantId: a.grant_id,
    familyId: a.family_id,
    parentJti: a.parent_jti,
    jti: a.jti,
    issuedAt,
  });
  return { access_token: token, token_type: 'Bearer', expires_in: ttl, ...scopeField(scopes), refresh_token: next.refresh.token };
}
