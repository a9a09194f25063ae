import { InvalidTarget, UnauthorizedClient } from '../../errors/index.js';
import { clientScopes } from './client-scopes.js';
import type { GrantDescriptor } from './grant-descriptor.js';
import { scopeField } from '../tokens/scope-field.js';

/** Clients anyone can register (dynamic registration, metadata documents): nobody vouches for them. */
const SELF_REGISTERED = new Set(['dcr', 'cimd']);

/** RFC 6749 §4.4: a confidential client (an agent acting as itself) gets an access token for itself. */
export const clientCredentials: GrantDescriptor = {
  grantType: 'client_credentials',
  parameters: { required: [], optional: ['scope', 'resource'] },
  async handler({ ctx, client, params, resources: requested, ip, userAgent }) {
    if (!client.confidential) throw new UnauthorizedClient('client_credentials needs a confidential client');
    const resources = await ctx.resources.resolve(requested);
    // Anyone can self-register (DCR, CIMD), and no person consented to what such a client reaches: its own
    // tokens are for the gateway only, or any resource server checking just the audience would accept them.
    if (SELF_REGISTERED.has(client.source) && resources.some((r) => r.source !== 'gateway')) {
      throw new InvalidTarget('a self-registered client gets client_credentials tokens for the gateway only');
    }
    const scopes = clientScopes(ctx, client, params.scope, resources);
    const ttl = ctx.config.oauthAccessTokenTtl;
    const audience = resources.map((r) => r.url);
    const [issued] = (await ctx.tokens.issue({
      accessTokens: [{ userId: null, clientId: client.clientId, scopes, audience, ttl }],
      audit: ([jti]) => [
        {
          action: 'oauth.token.issued',
          actor: { type: client.source === 'agent' ? 'agent' : 'client', id: client.clientId },
          userId: client.ownerUserId,
          target: { type: 'access_token', id: jti },
          ip,
          userAgent,
          detail: { grant_type: 'client_credentials', scope: scopes.join(' '), resource: audience },
        },
      ],
    }))!;
    return { access_token: issued.token, token_type: 'Bearer', expires_in: ttl, ...scopeField(scopes) };
  },
};
