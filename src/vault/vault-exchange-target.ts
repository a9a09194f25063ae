import type { AppContext, ExchangeRequest, ExchangeTarget, Resource } from '../kernel/index.js';
import { AppError, InvalidGrant, InvalidTarget, TemporarilyUnavailable, UnauthorizedClient } from '../errors/index.js';
import type { Provider } from './providers/index.js';
import { servedToken } from './server-api/served-token.js';
import { vaultErrors } from './vault-errors.js';
import { vaultOf } from './vault-of.js';

/** `resource=urn:oauth3:provider:{id}` names a provider's upstream token. */
export const PROVIDER_RESOURCE_PREFIX = 'urn:oauth3:provider:';
const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';
/** What a key provider's credential (a bot token, an API key) is issued as: not an OAuth access token. */
const API_KEY_TOKEN_TYPE = 'urn:oauth3:token-type:api_key';
const PROVIDER_ID = /^[a-z][a-z0-9_-]*$/;

const named = (v: string) => (v.startsWith(PROVIDER_RESOURCE_PREFIX) ? v.slice(PROVIDER_RESOURCE_PREFIX.length) : v);

/** The one provider the request names (resource URNs and/or audience), or invalid_target. */
function providerNamed(r: Pick<ExchangeRequest, 'resources' | 'audience'>): string {
  const ids = new Set<string>();
  for (const resource of r.resources) {
    if (!resource.startsWith(PROVIDER_RESOURCE_PREFIX))
      throw new InvalidTarget(`an upstream token is asked for alone: ${resource} cannot be named beside a provider`);
    ids.add(named(resource));
  }
  if (r.audience !== undefined) ids.add(named(r.audience));
  if (ids.size !== 1) throw new InvalidTarget(`name one provider: resource=${PROVIDER_RESOURCE_PREFIX}{id} or audience={id}`);
  return [...ids][0]!;
}

/** The resource of the subject token's audiences whose resource server (registered introspector) is `clientId`. */
async function servedAudience(ctx: AppContext, clientId: string, audience: readonly string[]): Promise<Resource | undefined> {
  for (const aud of audience) {
    const resource = await ctx.resources.find(aud);
    if (resource?.introspector === clientId) return resource;
  }
  return undefined;
}

/** A vault refusal as RFC 8693 §2.2.2 says it: the target cannot be issued (invalid_target), or later (503). */
function asOAuthError(e: unknown, provider: Provider): unknown {
  if (!(e instanceof AppError)) return e;
  switch (e.code) {
    case vaultErrors.ERR_VAULT_NOT_CONNECTED.code:
      return new InvalidTarget(`the person has not connected their ${provider.name} account`);
    case vaultErrors.ERR_VAULT_NEEDS_REAUTH.code:
      return new InvalidTarget(`${provider.name} refused the stored authorization: the person must connect the account again`);
    case vaultErrors.ERR_VAULT_UPSTREAM_UNAVAILABLE.code: {
      const err = new TemporarilyUnavailable(`${provider.name} is not answering; try again later`);
      const after = Number(e.details?.retry_after);
      err.retryAfter = Number.isFinite(after) && after > 0 ? Math.ceil(after) : 1;
      return err;
    }
    default:
      return e;
  }
}

/**
 * The MCP-native way to a person's upstream token (RFC 8693 at /token, no API key, no email lookup): an MCP server
 * holding a person's access token meant for it exchanges it with `resource=urn:oauth3:provider:{id}` (or
 * `audience={id}`) for the person's fresh upstream access token. Only when the authenticated client is a
 * confidential client registered as the resource server (`oauth3 resource add URL --introspector CLIENT`) of one
 * of the subject token's audiences, and the person allowed `client:<client_id>` to use that connection. The
 * answer is RFC 8693 §2.2.1's (`issued_token_type` access_token, `token_type` as the upstream says, `expires_in`);
 * a key provider's key is issued as `urn:oauth3:token-type:api_key` with `token_type` N_A. Upstream refresh tokens
 * never leave the vault. Served tokens are audited (vault.token_served) as every other.
 */
export const vaultExchangeTarget: ExchangeTarget = {
  name: 'vault',
  claims: ({ resources, audience }) =>
    resources.some((r) => r.startsWith(PROVIDER_RESOURCE_PREFIX)) ||
    (audience !== undefined && (audience.startsWith(PROVIDER_RESOURCE_PREFIX) || PROVIDER_ID.test(audience))),
  async exchange(r) {
    const { ctx, client, subject } = r;
    const id = providerNamed(r);
    const vault = vaultOf(ctx);
    const provider = vault.providers.find((p) => p.id === id);
    if (!provider) throw new InvalidTarget(`no provider "${id}" is configured`);
    if (!client.confidential)
      throw new UnauthorizedClient('only a confidential client (a registered resource server) gets upstream tokens');
    if (!subject.userId) throw new InvalidGrant('the subject_token does not act for a person');
    const resource = await servedAudience(ctx, client.clientId, subject.audience);
    if (!resource)
      throw new InvalidGrant(
        'the subject_token is not meant for this client: none of its audiences is a resource this client is registered for',
      );
    const server = `client:${client.clientId}`;
    if (!(await vault.isAllowed(subject.userId, id, server)))
      throw new InvalidTarget(
        `the person has not allowed this server to use their ${provider.name} connection (they may, on ${ctx.config.publicUrl.replace(/\/+$/, '')}/account/connections)`,
      );
    let served;
    try {
      served = servedToken(provider, await vault.credentialFor(subject.userId, id, { server, name: resource.name, ip: r.ip }));
    } catch (e) {
      throw asOAuthError(e, provider);
    }
    const key = provider.kind === 'api_key';
    return {
      access_token: served.token,
      issued_token_type: key ? API_KEY_TOKEN_TYPE : ACCESS_TOKEN_TYPE,
      token_type: key ? 'N_A' : served.tokenType,
      ...(served.expiresAt !== null ? { expires_in: Math.max(0, served.expiresAt - Math.floor(Date.now() / 1000)) } : {}),
      ...(served.scope ? { scope: served.scope } : {}),
    };
  },
};
