import { InvalidClientMetadata, InvalidRedirectUri } from '../../errors/index.js';
import type { CreateClientInput } from './create-client.js';
import { redirectUriProblem } from './redirect-uri-rules.js';
import { METADATA_LIMITS as LIMITS, optionalContacts, optionalText, optionalUrl } from './metadata-fields.js';
import { checkJwks } from './client-jwks.js';
import { TOKEN_EXCHANGE } from '../grants/grant-type-names.js';

// token exchange: a resource server (an MCP server) exchanging a person's token meant for it (the vault's target);
// a registered client can never sub-delegate with it (that needs an agent)
const GRANTS = ['authorization_code', 'refresh_token', 'client_credentials', TOKEN_EXCHANGE];
const METHODS = ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none'] as const;

/** OpenID Connect Registration §2 `id_token_signed_response_alg`: RS256 (the default) or ES256. */
function idTokenAlg(v: unknown): string | undefined {
  if (v === undefined || v === 'RS256' || v === 'ES256') return v;
  throw new InvalidClientMetadata('id_token_signed_response_alg must be RS256 or ES256');
}

/** RFC 7591 §2 `jwks` or `jwks_uri` (exactly one): what a private_key_jwt client signs its assertions with. */
function clientKeys(m: Record<string, unknown>, method: string): { jwks?: unknown; jwks_uri?: string } {
  if (m.jwks !== undefined && m.jwks_uri !== undefined) throw new InvalidClientMetadata('give jwks or jwks_uri, not both');
  if (method !== 'private_key_jwt') {
    if (m.jwks !== undefined || m.jwks_uri !== undefined) throw new InvalidClientMetadata('jwks and jwks_uri are for private_key_jwt');
    return {};
  }
  if (m.jwks !== undefined) return { jwks: checkJwks(m.jwks) };
  const uri = optionalUrl(m.jwks_uri, 'jwks_uri');
  if (!uri) throw new InvalidClientMetadata('private_key_jwt needs jwks or jwks_uri');
  return { jwks_uri: uri };
}

/**
 * Validates RFC 7591 §2 client metadata (from /register or a Client ID Metadata Document) into what
 * createClient stores. Throws invalid_redirect_uri (a redirect URI's value, RFC 7591 §3.2.2) or
 * invalid_client_metadata naming the field. Every field is bounded (METADATA_LIMITS): registration is open.
 */
export function parseClientMetadata(
  m: Record<string, unknown>,
  o: { knownScope: (s: string) => boolean; publicOnly?: boolean },
): CreateClientInput {
  const method = (m.token_endpoint_auth_method ?? (o.publicOnly ? 'none' : 'client_secret_basic')) as string;
  if (!METHODS.includes(method as (typeof METHODS)[number]))
    throw new InvalidClientMetadata(`token_endpoint_auth_method must be one of ${METHODS.join(', ')}`);
  if (o.publicOnly && method !== 'none')
    throw new InvalidClientMetadata('a client identified by a metadata document must use token_endpoint_auth_method none');
  const grantTypes = m.grant_types === undefined ? ['authorization_code'] : m.grant_types;
  if (!Array.isArray(grantTypes) || grantTypes.length === 0 || grantTypes.some((g) => !GRANTS.includes(g))) {
    throw new InvalidClientMetadata(`grant_types must be a non-empty subset of ${GRANTS.join(', ')}`);
  }
  if (grantTypes.includes('client_credentials') && method === 'none')
    throw new InvalidClientMetadata('client_credentials needs a client secret');
  if (grantTypes.includes(TOKEN_EXCHANGE) && method === 'none') throw new InvalidClientMetadata(`${TOKEN_EXCHANGE} needs a client secret`);
  if (m.response_types !== undefined && !(Array.isArray(m.response_types) && m.response_types.every((r) => r === 'code'))) {
    throw new InvalidClientMetadata('response_types must be ["code"]');
  }
  const redirectUris = m.redirect_uris === undefined ? [] : m.redirect_uris;
  if (!Array.isArray(redirectUris)) throw new InvalidRedirectUri('redirect_uris must be an array');
  if (redirectUris.length > LIMITS.redirectUris)
    throw new InvalidClientMetadata(`redirect_uris may list at most ${LIMITS.redirectUris} URIs`);
  if (grantTypes.includes('authorization_code') && redirectUris.length === 0)
    throw new InvalidRedirectUri('redirect_uris is required for authorization_code');
  for (const uri of redirectUris) {
    const problem = redirectUriProblem(uri);
    if (problem) throw new InvalidRedirectUri(`redirect_uris: ${problem}`);
  }
  const name = optionalText(m.client_name, 'client_name', LIMITS.name);
  let scope: string[] | null = null;
  if (m.scope !== undefined) {
    if (typeof m.scope !== 'string' || m.scope.length > LIMITS.scope)
      throw new InvalidClientMetadata(`scope must be a space-separated string of at most ${LIMITS.scope} characters`);
    scope = [...new Set(m.scope.split(' ').filter(Boolean))];
    const unknown = scope.filter((s) => !o.knownScope(s));
    if (unknown.length) throw new InvalidClientMetadata(`unknown scope: ${unknown.join(' ')}`);
  }
  const checked: Record<string, unknown> = {
    software_id: optionalText(m.software_id, 'software_id', LIMITS.text),
    software_version: optionalText(m.software_version, 'software_version', LIMITS.text),
    contacts: optionalContacts(m.contacts),
    tos_uri: optionalUrl(m.tos_uri, 'tos_uri'),
    policy_uri: optionalUrl(m.policy_uri, 'policy_uri'),
    id_token_signed_response_alg: idTokenAlg(m.id_token_signed_response_alg),
    ...clientKeys(m, method),
  };
  const metadata = Object.fromEntries(Object.entries(checked).filter(([, v]) => v !== undefined));
  return {
    name: name?.trim() || 'Unnamed client',
    tokenEndpointAuthMethod: method as CreateClientInput['tokenEndpointAuthMethod'],
    redirectUris: redirectUris as string[],
    grantTypes: [...new Set(grantTypes as string[])],
    scope,
    clientUri: optionalUrl(m.client_uri, 'client_uri') ?? null,
    logoUri: optionalUrl(m.logo_uri, 'logo_uri') ?? null,
    metadata,
  };
}
