import { InvalidGrant, InvalidScope, InvalidTarget } from '../../errors/index.js';
import { canonicalResource } from '../resources/canonical-resource.js';
import { parseScope } from '../scopes/grantable-scopes.js';
import { signTokenPair, tokenPairSteps } from '../tokens/issue-token-pair.js';
import { refreshTokenKey } from '../tokens/refresh-token-key.js';
import { revokeFamilies } from '../tokens/revoke-families.js';
import { groupCommitOf, preparedQuery } from '../../store/index.js';
import { grantUseOf } from '../tokens/grant-use.js';
import { gracePair } from '../tokens/grace-pair.js';
import { successorOf } from '../tokens/successor.js';
import type { GrantDescriptor } from './grant-descriptor.js';

const findRefresh = preparedQuery((db, slot) => db.selectFrom('oauth_refresh_tokens as r').innerJoin('oauth_families as f', 'f.id', 'r.family_id')
  .select(['r.id', 'r.family_id', 'r.expires_at', 'r.used_at', 'f.client_id', 'f.user_id', 'f.grant_id', 'f.scope', 'f.resource', 'f.revoked_at'])
  .where('r.id', '=', slot(0)).where('r.token_hash', '=', slot(1)));
const markRotated = preparedQuery((db, slot) => db.updateTable('oauth_refresh_tokens').set({ used_at: slot(0) })
  .where('id', '=', slot(1)).where('used_at', 'is', null));
/**
 * RFC 6749 §6 with OAuth 2.1 rotation: every use returns a new refresh token; reusing a rotated one revokes
 * the whole family (every access and refresh token issued from the same code), except within the configured
 * grace window, where a concurrent refresh gets the same new pair. `scope` and `resource` may only narrow.
 */
export const refreshToken: GrantDescriptor = {
  grantType: 'refresh_token',
  parameters: { required: ['refresh_token'], optional: ['scope', 'resource'] },
  async handler(req) {
    const { ctx, client, params, resources, ip, userAgent } = req;
    const key = refreshTokenKey(params.refresh_token);
    const load = async () => (key ? (await findRefresh(ctx.db, [key.id, key.hash])).rows[0] : undefined);
    const row = await load();
    if (!row || row.client_id !== client.clientId) throw new InvalidGrant('the refresh token is invalid or was issued to another client');
    if (row.revoked_at !== null) throw new InvalidGrant('the refresh token was revoked');
    if (Number(row.expires_at) <= Date.now()) throw new InvalidGrant('the refresh token expired');
    const grantedScopes = parseScope(row.scope);
    const scopes = params.scope !== undefined ? parseScope(params.scope) : grantedScopes;
    const wider = scopes.filter((s) => !grantedScopes.includes(s));
    if (wider.length) throw new InvalidScope(`scope wider than granted: ${wider.join(' ')}`);
    const grantedResources = row.resource.split(' ');
    const audience = resources.length ? resources.map(canonicalResource) : grantedResources;
    const otherTarget = audience.filter((r) => !grantedResources.includes(r));
    if (otherTarget.length) throw new InvalidTarget(`resource not authorized: ${otherTarget.join(' ')}`);

    const reused = async (current: typeof row) => {
      const same = current.used_at === null ? undefined : await gracePair(ctx, current.family_id, current.id, Number(current.used_at));
      if (same) return same;
      await ctx.db.transaction().execute(async (trx) => {
        await revokeFamilies(ctx, trx, [current.family_id]);
        await ctx.audit.record(trx, {
          action: 'oauth.token.reuse_detected', result: 'failure', actor: { type: 'client', id: client.clientId }, userId: current.user_id,
          target: { type: 'grant', id: current.grant_id }, ip, userAgent, detail: { what: 'refresh_token', family: current.family_id },
        });
      });
      throw new InvalidGrant('the refresh token was already used; every token of this authorization is revoked');
    };
    if (row.used_at !== null) return reused(row);
    // Signed before the batch; written only if this request wins the rotation. The new pair is derived from the
    // old token and the rotation's time (see successor.ts): a concurrent refresh inside the grace window derives
    // it again, so nothing of it is kept for the window.
    const now = Date.now();
    const successor = successorOf(ctx.masterKey, row.id, now);
    const signed = signTokenPair(ctx, { id: row.family_id, client_id: row.client_id, user_id: row.user_id }, { scopes, audience, refresh: true, successor, issuedAt: now });
    const pair = signed.response;
    const jti = signed.access.jti;
    // One unit: a conditional write marks the old token used (if another request rotated it first, the unit
    // stops there, having written nothing), then the new pair.
    const steps = [markRotated.step(ctx.db, [now, row.id], { guard: true }), ...tokenPairSteps(ctx, signed)];
    if (!(await groupCommitOf(ctx.db).run(steps))) {
      const current = await load();
      if (!current) throw new InvalidGrant('the refresh token is invalid');
      return reused(current);
    }
    if (row.grant_id) grantUseOf(ctx).note(row.grant_id, now);
    // High-volume event (like token use, DESIGN.md): batched by the audit writer once the rotation committed.
    ctx.audit.enqueue({
      action: 'oauth.token.refreshed', actor: { type: 'client', id: client.clientId }, userId: row.user_id, target: { type: 'access_token', id: jti },
      ip, userAgent, detail: { grant: row.grant_id, scope: scopes.join(' '), resource: audience },
    });
    return pair;
  },
};

