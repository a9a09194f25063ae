import { InvalidGrant, InvalidTarget } from '../../errors/index.js';
import { sha256 } from '../../crypto/index.js';
import { canonicalResource } from '../resources/canonical-resource.js';
import { recordTokenPair, signTokenPair } from '../tokens/issue-token-pair.js';
import { revokeFamilies } from '../tokens/revoke-families.js';
import { verifyPkce } from '../tokens/pkce.js';
import { idToken } from '../tokens/id-token.js';
import { randomId } from '../../crypto/index.js';
import type { GrantDescriptor } from './grant-descriptor.js';
import { parseScope } from '../scopes/grantable-scopes.js';

/** Thrown inside the transaction when the code turned out to be used concurrently. */
class CodeReused extends Error {}

/**
 * RFC 6749 §4.1.3 with OAuth 2.1 rules: the code is single use, short-lived and bound to the client, the
 * redirect URI, the PKCE challenge (S256) and the resource(s). A second use revokes everything issued from the
 * first. A `resource` here may only narrow the authorized ones.
 */
export const authorizationCode: GrantDescriptor = {
  grantType: 'authorization_code',
  parameters: { required: ['code', 'code_verifier', 'redirect_uri'], optional: ['resource'] },
  async handler({ ctx, client, params, resources, ip, userAgent }) {
    const codeHash = sha256(params.code);
    const row = await ctx.db.selectFrom('oauth_codes').selectAll().where('code_hash', '=', codeHash).executeTakeFirst();
    if (!row || row.client_id !== client.clientId) throw new InvalidGrant('the code is invalid or was issued to another client');
    const reuse = async () => {
      await ctx.db.transaction().execute(async (trx) => {
        const fresh = await trx.selectFrom('oauth_codes').select('family_id').where('code_hash', '=', codeHash).executeTakeFirst();
        await revokeFamilies(ctx, trx, fresh?.family_id ? [fresh.family_id] : []);
        await ctx.audit.record(trx, {
          action: 'oauth.token.reuse_detected', result: 'failure', actor: { type: 'client', id: client.clientId }, userId: row.user_id,
          target: { type: 'grant', id: row.grant_id }, ip, userAgent, detail: { what: 'authorization_code', family: fresh?.family_id ?? null },
        });
      });
      return new InvalidGrant('the code was already used; the tokens issued from it are revoked');
    };
    if (row.used_at !== null) throw await reuse();
    if (Number(row.expires_at) <= Date.now()) throw new InvalidGrant('the code expired');
    if (params.redirect_uri !== row.redirect_uri) throw new InvalidGrant('redirect_uri differs from the authorization request');
    if (!verifyPkce(params.code_verifier, row.code_challenge)) throw new InvalidGrant('PKCE verification failed (code_verifier)');
    const granted = row.resource.split(' ');
    let audience = granted;
    if (resources.length) {
      audience = resources.map(canonicalResource);
      const extra = audience.filter((r) => !granted.includes(r));
      if (extra.length) throw new InvalidTarget(`resource not authorized: ${extra.join(' ')}`);
    }
    const familyId = randomId('fam');
    const scopes = parseScope(row.scope);
    // Signed before the transaction; written (and returned) only if the code is still unused in it.
    const pair = signTokenPair(ctx, { id: familyId, client_id: client.clientId, user_id: row.user_id }, { scopes, audience, refresh: client.grantTypes.includes('refresh_token') });
    try {
      await ctx.db.transaction().execute(async (trx) => {
        const now = Date.now();
        const used = await trx.updateTable('oauth_codes').set({ used_at: now }).where('code_hash', '=', codeHash).where('used_at', 'is', null).executeTakeFirst();
        if (Number(used.numUpdatedRows) !== 1) throw new CodeReused();
        const grant = await trx.selectFrom('oauth_grants').select(['revoked_at']).where('id', '=', row.grant_id).executeTakeFirst();
        if (!grant || grant.revoked_at !== null) throw new InvalidGrant('the authorization was revoked');
        const family = { id: familyId, grant_id: row.grant_id, client_id: client.clientId, user_id: row.user_id, scope: row.scope, resource: row.resource, created_at: now, revoked_at: null };
        await trx.insertInto('oauth_families').values(family).execute();
        await trx.updateTable('oauth_codes').set({ family_id: family.id }).where('code_hash', '=', codeHash).execute();
        await trx.updateTable('oauth_grants').set({ last_used_at: now }).where('id', '=', row.grant_id).execute();
        await recordTokenPair(ctx, trx, pair);
        await ctx.audit.record(trx, {
          action: 'oauth.token.issued', actor: { type: 'client', id: client.clientId }, userId: row.user_id, target: { type: 'grant', id: row.grant_id },
          ip, userAgent, detail: { grant_type: 'authorization_code', client: client.name, scope: row.scope, resource: audience, refresh: !!pair.refreshRow },
        });
      });
      const body = pair.response;
      // OpenID Connect Core §3.1.3.3: with `openid` granted, the response carries an ID token for the client.
      if (row.scope.split(' ').includes('openid') && row.user_id) {
        return { ...body, id_token: idToken(ctx, { userId: row.user_id, clientId: client.clientId, nonce: row.nonce, accessToken: body.access_token }) };
      }
      return body;
    } catch (e) {
      if (e instanceof CodeReused) throw await reuse();
      throw e;
    }
  },
};
