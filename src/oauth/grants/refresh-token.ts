import { InvalidGrant } from '../../errors/index.js';
import { narrowScopes, parseScope } from '../../scopes/index.js';
import { preparedQuery } from '../../store/index.js';
import { issueTokenPair } from '../tokens/issue-token-pair.js';
import { gracePair } from '../tokens/grace-pair.js';
import { successorOf } from '../tokens/successor.js';
import { checkRefreshRow, findRefreshRow, narrowResources, reuseDetected, type RefreshRow } from './grant-common.js';
import type { GrantDescriptor, TokenResponse } from './grant-descriptor.js';

const markRotated = preparedQuery(['usedAt', 'id'], (db, slot) =>
  db
    .updateTable('oauth_refresh_tokens')
    .set({ used_at: slot('usedAt') })
    .where('id', '=', slot('id'))
    .where('used_at', 'is', null),
);

/**
 * RFC 6749 §6 with OAuth 2.1 rotation: every use returns a new refresh token; reusing a rotated one revokes
 * the whole family (every access and refresh token issued from the same code), except within the configured
 * grace window, where a concurrent refresh gets the same new pair. `scope` and `resource` may only narrow.
 */
export const refreshToken: GrantDescriptor = {
  grantType: 'refresh_token',
  parameters: { required: ['refresh_token'], optional: ['scope', 'resource'] },
  async handler(req) {
    const { ctx, as, client, params, resources, ip, userAgent } = req;
    const row = checkRefreshRow(await findRefreshRow(ctx, params.refresh_token), client.clientId);
    const scopes = narrowScopes(parseScope(row.scope), params.scope);
    const audience = narrowResources(row.resource.split(' '), resources);

    const reused = async (current: RefreshRow): Promise<TokenResponse> => {
      const same = current.used_at === null ? undefined : await gracePair(as, current.family_id, current.id, Number(current.used_at));
      if (same) return same;
      throw await reuseDetected(req, {
        families: [current.family_id],
        userId: current.user_id,
        grantId: current.grant_id,
        what: 'refresh_token',
        message: 'the refresh token was already used; every token of this authorization is revoked',
      });
    };
    if (row.used_at !== null) return reused(row);
    // The new pair is derived from the old token and the rotation's time (see successor.ts): a concurrent
    // refresh inside the grace window derives it again, so nothing of it is kept for the window. One unit: a
    // conditional write marks the old token used (if another request rotated it first, the unit stops there,
    // having written nothing), then the new pair and the event.
    const now = Date.now();
    const pair = await issueTokenPair(
      ctx,
      { id: row.family_id, client_id: row.client_id, user_id: row.user_id },
      {
        scopes,
        audience,
        refresh: true,
        successor: successorOf(as.successorKey, row.id, now),
        issuedAt: now,
        steps: [markRotated.step(ctx.db, { usedAt: now, id: row.id }, { guard: true })],
        audit: (jti) => [
          {
            action: 'oauth.token.refreshed',
            actor: { type: 'client', id: client.clientId },
            userId: row.user_id,
            target: { type: 'access_token', id: jti },
            ip,
            userAgent,
            detail: { grant: row.grant_id, scope: scopes.join(' '), resource: audience },
          },
        ],
      },
    );
    if (!pair) {
      const current = await findRefreshRow(ctx, params.refresh_token);
      if (!current) throw new InvalidGrant('the refresh token is invalid');
      return reused(current);
    }
    if (row.grant_id) as.grantUse.note(row.grant_id, now);
    return pair;
  },
};
