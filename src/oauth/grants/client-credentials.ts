import { InvalidTarget, UnauthorizedClient } from '../../errors/index.js';

const SELF_REGISTERED = new Set(['dcr', 'cimd']);
import { resourcesOf } from '../resources/resource-registry.js';
import { grantableScopes } from '../scopes/grantable-scopes.js';
import { groupCommitOf } from '../../store/index.js';
import type { GrantDescriptor } from './grant-descriptor.js';

/** RFC 6749 §4.4: a confidential client (an agent acting as itself) gets an access token for itself. */
export const clientCredentials: GrantDescriptor = {
  grantType: 'client_credentials',
  parameters: { required: [], optional: ['scope', 'resource'] },
  async handler({ ctx, client, params, resources: requested, ip, userAgent }) {
    if (!client.confidential) throw new UnauthorizedClient('client_credentials needs a confidential client');
    const resources = await resourcesOf(ctx).resolve(requested);
    // Anyone can self-register (DCR, CIMD), and no person consented to what such a client reaches: its own
    // tokens are for the gateway only, or any resource server checking just the audience would accept them.
    if (SELF_REGISTERED.has(client.source) && resources.some((r) => r.source !== 'gateway')) {
      throw new InvalidTarget('a self-registered client gets client_credentials tokens for the gateway only');
    }
    const scopes = grantableScopes(ctx, { scope: params.scope, client, resources });
    const ttl = ctx.config.oauthAccessTokenTtl;
    // Signed first, then its jti row joins the next group commit; answered once that committed.
    const signed = ctx.tokens.signAccessToken({ userId: null, clientId: client.clientId, scopes, audience: resources.map((r) => r.url), ttl });
    await groupCommitOf(ctx.db).run([ctx.tokens.accessTokenStep(signed)]);
    const { token, jti } = signed;
    ctx.audit.enqueue({
      action: 'oauth.token.issued', actor: { type: client.source === 'agent' ? 'agent' : 'client', id: client.clientId },
      userId: client.ownerUserId, target: { type: 'access_token', id: jti }, ip, userAgent,
      detail: { grant_type: 'client_credentials', scope: scopes.join(' '), resource: resources.map((r) => r.url) },
    });
    return { access_token: token, token_type: 'Bearer', expires_in: ttl, scope: scopes.join(' ') };
  },
};
