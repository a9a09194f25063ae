import { InvalidGrant, InvalidRequest, InvalidScope, OAuthError } from '../../errors/index.js';
import type { Principal } from '../../kernel/index.js';
import { parseScope } from '../../scopes/index.js';
import { findClient } from '../clients/find-client.js';
import { narrowResources } from './grant-common.js';
import type { GrantDescriptor, TokenResponse } from './grant-descriptor.js';
import { TOKEN_EXCHANGE } from './grant-type-names.js';
import { scopeField } from '../tokens/scope-field.js';

const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';
const JWT_TYPE = 'urn:ietf:params:oauth:token-type:jwt';

/** Rebuilds the nested RFC 8693 §4.1 `act` claim from a chain (current actor first). */
function actClaim(chain: string[]): Record<string, unknown> | undefined {
  return chain.reduceRight<Record<string, unknown> | undefined>((inner, sub) => (inner ? { sub, act: inner } : { sub }), undefined);
}

/**
 * RFC 8693 token exchange for sub-delegation. An agent presents a token it holds (issued to it: its client_id),
 * authenticating as itself, and gets a token for a sub-agent (`requested_actor`, an agent owned by the same
 * person as the acting agent, or by the person whose rights these are; default: itself). Everything can only narrow: scope ⊆ the subject's (and the sub-agent's registered scopes), resource
 * ⊆ the subject's audience, lifetime ≤ what the subject has left (`expires_in` may ask for less). The `act`
 * claim records the chain, nested (§4.1); its depth is limited by config. The new token's lineage holds the
 * subject and all its ancestors, so revoking any of them refuses it at once.
 */
export const tokenExchange: GrantDescriptor = {
  grantType: TOKEN_EXCHANGE,
  parameters: {
    required: ['subject_token', 'subject_token_type'],
    optional: ['scope', 'resource', 'audience', 'requested_token_type', 'requested_actor', 'expires_in', 'actor_token', 'actor_token_type'],
  },
  async handler({ ctx, client, params, resources, ip, userAgent }) {
    if (![ACCESS_TOKEN_TYPE, JWT_TYPE].includes(params.subject_token_type))
      throw new InvalidRequest('subject_token_type must be an access token type');
    if (params.requested_token_type && params.requested_token_type !== ACCESS_TOKEN_TYPE)
      throw new InvalidRequest('only access tokens can be requested');
    if (params.actor_token !== undefined) throw new InvalidRequest('actor_token is not supported: the authenticated client is the actor');
    let subject: Principal;
    try {
      subject = await ctx.tokens.verify(params.subject_token, { kinds: ['access'] });
    } catch (e) {
      throw e instanceof OAuthError ? new InvalidGrant(`subject_token: ${e.error_description ?? e.error}`) : e;
    }
    const target = ctx.registries.exchangeTargets.all().find((t) => t.claims({ resources, audience: params.audience }));
    if (target) {
      // Another module issues what is asked for (the vault: an upstream token); it checks who may have it.
      return (await target.exchange({
        ctx,
        client: { clientId: client.clientId, ownerUserId: client.ownerUserId ?? null, confidential: client.confidential },
        subject,
        resources,
        audience: params.audience,
        requestedTokenType: params.requested_token_type,
        ip,
        userAgent,
      })) as TokenResponse;
    }
    if (subject.clientId !== client.clientId) throw new InvalidGrant('the subject_token was not issued to this client');
    if (!subject.userId) throw new InvalidGrant('the subject_token does not act for a person');
    const exchanges = subject.chain.length === 0 ? 0 : subject.chain.length - 1;
    if (exchanges + 1 > ctx.config.tokenExchangeMaxDepth)
      throw new InvalidGrant(`the delegation chain may not be longer than ${ctx.config.tokenExchangeMaxDepth} exchanges`);

    const actorId = params.requested_actor ?? client.clientId;
    const actor = actorId === client.clientId ? client : await findClient(ctx.db, actorId);
    if (!actor || actor.source !== 'agent') throw new InvalidRequest('requested_actor must be a registered agent');
    // The person's rights go only to agents of the person or of whoever runs the acting agent, never to strangers.
    if (actor !== client && actor.ownerUserId !== subject.userId && actor.ownerUserId !== client.ownerUserId) {
      throw new InvalidRequest('requested_actor must be an agent of the same owner as this agent, or of the person');
    }

    const requested = parseScope(params.scope);
    const scopes = requested.length ? requested : subject.scopes.filter((s) => actor.scope === null || actor.scope.includes(s));
    const wider = scopes.filter((s) => !subject.scopes.includes(s));
    if (wider.length) throw new InvalidScope(`an exchange cannot widen the scope: ${wider.join(' ')}`);
    const unregistered = scopes.filter((s) => actor.scope !== null && !actor.scope.includes(s));
    if (unregistered.length) throw new InvalidScope(`the agent is not registered for scope: ${unregistered.join(' ')}`);
    if (scopes.length === 0) throw new InvalidScope('no scope left to give this agent');

    const audience = narrowResources(
      subject.audience,
      [...resources, ...(params.audience ? [params.audience] : [])],
      'an exchange cannot widen the resource',
    );

    const left = subject.expiresAt! - Math.floor(Date.now() / 1000);
    let ttl = Math.min(left, ctx.config.oauthAccessTokenTtl);
    if (params.expires_in !== undefined) {
      const n = Number(params.expires_in);
      if (!/^\d+$/.test(params.expires_in) || n < 1) throw new InvalidRequest('expires_in must be a positive whole number of seconds');
      if (n > left) throw new InvalidRequest(`an exchange cannot widen the lifetime: the subject_token expires in ${left} s`);
      ttl = n;
    }

    const row = await ctx.db
      .selectFrom('access_tokens')
      .select(['grant_id', 'family_id'])
      .where('jti', '=', subject.tokenId)
      .executeTakeFirst();
    if (!row) throw new InvalidGrant('subject_token: unknown token');
    const act = actClaim([actor.clientId, ...(subject.chain.length ? subject.chain : [subject.clientId])]);
    const [issued] = (await ctx.tokens.issue({
      accessTokens: [
        {
          userId: subject.userId,
          clientId: actor.clientId,
          scopes,
          audience,
          ttl,
          act,
          grantId: row.grant_id,
          familyId: row.family_id,
          parentJti: subject.tokenId,
          lineage: [...(subject.lineage ?? []), subject.tokenId],
        },
      ],
      audit: ([jti]) => [
        {
          action: 'token.exchanged',
          actor: { type: 'agent', id: client.clientId },
          userId: subject.userId,
          target: { type: 'agent', id: actor.clientId },
          ip,
          userAgent,
          detail: { parent: subject.tokenId, jti, scopes, audience, depth: exchanges + 1 },
        },
      ],
    }))!;
    return {
      access_token: issued.token,
      issued_token_type: ACCESS_TOKEN_TYPE,
      token_type: 'Bearer',
      expires_in: ttl,
      ...scopeField(scopes),
    };
  },
};
