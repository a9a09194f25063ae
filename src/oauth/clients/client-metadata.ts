import { InvalidClientMetadata, InvalidRedirectUri } from '../../errors/index.js';
import type { CreateClientInput } from './create-client.js';
import { redirectUriProblem } from './redirect-uri-rules.js';

const GRANTS = ['authorization_code', 'refresh_token', 'client_credentials'];
const METHODS = ['client_secret_basic', 'client_secret_post', 'none'] as const;

const optionalUrl = (v: unknown, field: string): string | null => {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string' || !/^https:\/\//.test(v) || v.length > 2000) throw new InvalidClientMetadata(`${field} must be an https URL`);
  return v;
};

/**
 * Validates RFC 7591 §2 client metadata (from /register or a Client ID Metadata Document) into what
 * createClient stores. Throws invalid_redirect_uri or invalid_client_metadata saying what is wrong.
 */
export function parseClientMetadata(
  m: Record<string, unknown>,
  o: { knownScope: (s: string) => boolean; publicOnly?: boolean },
): CreateClientInput {
  const method = (m.token_endpoint_auth_method ?? (o.publicOnly ? 'none' : 'client_secret_basic')) as string;
  if (!METHODS.includes(method as (typeof METHODS)[number]))
    throw new InvalidClientMetadata(`token_endpoint_auth_method ${method} is not supported`);
  if (o.publicOnly && method !== 'none')
    throw new InvalidClientMetadata('a client identified by a metadata document must use token_endpoint_auth_method none');
  const grantTypes = m.grant_types === undefined ? ['authorization_code'] : m.grant_types;
  if (!Array.isArray(grantTypes) || grantTypes.length === 0 || grantTypes.some((g) => !GRANTS.includes(g))) {
    throw new InvalidClientMetadata(`grant_types must be a non-empty subset of ${GRANTS.join(', ')}`);
  }
  if (grantTypes.includes('client_credentials') && method === 'none')
    throw new InvalidClientMetadata('client_credentials needs a client secret');
  if (m.response_types !== undefined && !(Array.isArray(m.response_types) && m.response_types.every((r) => r === 'code'))) {
    throw new InvalidClientMetadata('response_types must be ["code"]');
  }
  const redirectUris = m.redirect_uris === undefined ? [] : m.redirect_uris;
  if (!Array.isArray(redirectUris)) throw new InvalidRedirectUri('redirect_uris must be an array');
  if (grantTypes.includes('authorization_code') && redirectUris.length === 0)
    throw new InvalidRedirectUri('redirect_uris is required for authorization_code');
  for (const uri of redirectUris) {
    const problem = redirectUriProblem(uri);
    if (problem) throw new InvalidRedirectUri(problem);
  }
  const name = m.client_name === undefined ? undefined : m.client_name;
  if (name !== undefined && (typeof name !== 'string' || name.length > 200))
    throw new InvalidClientMetadata('client_name must be a string of at most 200 characters');
  let scope: string[] | null = null;
  if (m.scope !== undefined) {
    if (typeof m.scope !== 'string') throw new InvalidClientMetadata('scope must be a space-separated string');
    scope = [...new Set(m.scope.split(' ').filter(Boolean))];
    const unknown = scope.filter((s) => !o.knownScope(s));
    if (unknown.length) throw new InvalidClientMetadata(`unknown scope: ${unknown.join(' ')}`);
  }
  const metadata: Record<string, unknown> = {};
  for (const k of ['software_id', 'software_version', 'contacts', 'tos_uri', 'policy_uri']) if (m[k] !== undefined) metadata[k] = m[k];
  return {
    name: (name as string | undefined)?.trim() || 'Unnamed client',
    tokenEndpointAuthMethod: method as CreateClientInput['tokenEndpointAuthMethod'],
    redirectUris: redirectUris as string[],
    grantTypes: grantTypes as string[],
    scope,
    clientUri: optionalUrl(m.client_uri, 'client_uri'),
    logoUri: optionalUrl(m.logo_uri, 'logo_uri'),
    metadata,
  };
}
