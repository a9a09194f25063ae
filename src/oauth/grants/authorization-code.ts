import { InvalidGrant } from '../../errors/index.js';
import { randomId, sha256 } from '../../crypto/index.js';
import { parseScope } from '../../scopes/index.js';
import { writeStepOf } from '../../store/index.js';
import { issueTokenPair } from '../tokens/issue-token-pair.js';
import { verifyPkce } from '../tokens/pkce.js';
import { idToken } from '../tokens/id-token.js';
import { narrowResources, reuseDetected } from './grant-common.js';
import type { GrantDescriptor } from './grant-descriptor.js';

/**
 * RFC 6749 §4.1.3 with OAuth 2.1 rules: the code is single use, short-lived and bound to the client, the
 * redirect URI, the PKCE challenge (S256) and the resource(s). A second use revokes everything issued from the
 * first. A `resource` here may only narrow the authorized ones.
 */
export const authorizationCode: GrantDescriptor = {
  grantType: 'authorization_code',
  parameters: { required: ['code', 'code_verifier', 'redirect_uri'], optional: ['resource'] },
  async handler(req) {
    const { ctx, client, params, resources, ip, userAgent } = req;
    const codeHash = sha256(params.code);
    const row = await ctx.db.selectFrom('oauth_codes').selectAll().where('code_hash', '=', codeHash).executeTakeFirst();
    if (!row || row.client_id !== client.clientId) throw new InvalidGrant('the code is invalid or was issued to another client');
    const reuse = async () => {
      const fresh = await ctx.db.selectFrom('oauth_codes').select('family_id').where('code_hash', '=', codeHash).executeTakeFirst();
      return reuseDetected(req, {
        families: fresh?.family_id ? [fresh.family_id] : [],
        userId: row.user_id,
        grantId: row.grant_id,
        what: 'authorization_code',
        message: 'the code was already used; the tokens issued from it are revoked',
      });
    };
    if (row.used_at !== null) throw await reuse();
    if (Number(row.expires_at) <= Date.now()) throw new InvalidGrant('the code expired');
    if (params.redirect_uri !== row.redirect_uri) throw new InvalidGrant('redirect_uri differs from the authorization request');
    if (!verifyPkce(params.code_verifier, row.code_challenge)) throw new InvalidGrant('PKCE verification failed (code_verifier)');
    const audience = narrowResources(row.resource.split(' '), resources);
    const scopes = parseScope(row.scope);
    const now = Date.now();
    const family = {
      id: randomId('fam'),
      grant_id: row.grant_id,
      client_id: client.clientId,
      user_id: row.user_id,
      scope: row.scope,
      resource: row.resource,
      created_at: now,
      revoked_at: null,
    };
    const refresh = client.grantTypes.includes('refresh_token');
    // One unit: the code is marked used (with the family it starts) only while it is unused and its grant is not
    // revoked, else nothing is written; then the family, the grant's last use, the pair and the event.
    const pair = await issueTokenPair(ctx, family, {
      scopes,
      audience,
      refresh,
      issuedAt: now,
      steps: [
        writeStepOf(
          ctx.db
            .updateTable('oauth_codes')
            .set({ used_at: now, family_id: family.id })
            .where('code_hash', '=', codeHash)
            .where('used_at', 'is', null)
            .where((eb) =>
              eb.exists(eb.selectFrom('oauth_grants').select('id').where('id', '=', row.grant_id).where('revoked_at', 'is', null)),
            ),
          { guard: true },
        ),
        writeStepOf(ctx.db.insertInto('oauth_families').values(family)),
        writeStepOf(ctx.db.updateTable('oauth_grants').set({ last_used_at: now }).where('id', '=', row.grant_id)),
      ],
      audit: () => [
        {
          action: 'oauth.token.issued',
          actor: { type: 'client', id: client.clientId },
          userId: row.user_id,
          target: { type: 'grant', id: row.grant_id },
          ip,
          userAgent,
          detail: { grant_type: 'authorization_code', client: client.name, scope: row.scope, resource: audience, refresh },
        },
      ],
    });
    if (!pair) {
      const current = await ctx.db.selectFrom('oauth_codes').select('used_at').where('code_hash', '=', codeHash).executeTakeFirst();
      if (current?.used_at !== null) throw await reuse();
      throw new InvalidGrant('the authorization was revoked');
    }
    // OpenID Connect Core §3.1.3.3: with `openid` granted, the response carries an ID token for the client.
    if (scopes.includes('openid') && row.user_id) {
      return {
        ...pair,
        id_token: await idToken(ctx, {
          userId: row.user_id,
          clientId: client.clientId,
          nonce: row.nonce,
          accessToken: pair.access_token,
          authTime: row.auth_time === null ? null : Number(row.auth_time),
          alg: client.metadata.id_token_signed_response_alg === 'ES256' ? 'ES256' : 'RS256',
        }),
      };
    }
    return pair;
  },
};
