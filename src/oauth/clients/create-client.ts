import type { Executor } from '../../store/index.js';
import { randomId, randomToken, sha256 } from '../../crypto/index.js';
import type { TokenEndpointAuthMethod, OAuthClient } from './oauth-client.js';
import { toClient } from './oauth-client.js';

export interface CreateClientInput {
  name: string;
  /** Default client_secret_basic (a secret is generated); `none` makes a public client (PKCE only). */
  tokenEndpointAuthMethod?: TokenEndpointAuthMethod;
  redirectUris?: string[];
  /** Default ['authorization_code', 'refresh_token'] when redirect URIs are given, else ['client_credentials']. */
  grantTypes?: string[];
  /** Scopes it may ask for; omitted: any valid scope. */
  scope?: string[] | null;
  /** dcr | cimd | static | agent (default static). */
  source?: string;
  ownerUserId?: string | null;
  clientUri?: string | null;
  logoUri?: string | null;
  metadata?: Record<string, unknown>;
  /** A fixed client_id (CIMD: the document URL); default a random id. */
  clientId?: string;
}

/**
 * Registers an OAuth client (or an agent, which is a client with `source: 'agent'`). Returns the client and,
 * for confidential clients, the secret: shown once, stored only as its SHA-256. Validation of redirect URIs
 * and metadata is the caller's (see registration); this only stores.
 */
export async function createClient(db: Executor, input: CreateClientInput): Promise<{ client: OAuthClient; clientSecret?: string }> {
  const method = input.tokenEndpointAuthMethod ?? 'client_secret_basic';
  const clientSecret = method === 'none' || method === 'private_key_jwt' ? undefined : randomToken();
  const redirectUris = input.redirectUris ?? [];
  const grantTypes = input.grantTypes ?? (redirectUris.length ? ['authorization_code', 'refresh_token'] : ['client_credentials']);
  const row = {
    id: input.clientId ?? randomId('c'),
    secret_hash: clientSecret ? sha256(clientSecret) : null,
    token_endpoint_auth_method: method,
    name: input.name,
    redirect_uris: JSON.stringify(redirectUris),
    grant_types: JSON.stringify(grantTypes),
    scope: input.scope ? input.scope.join(' ') : null,
    source: input.source ?? 'static',
    owner_user_id: input.ownerUserId ?? null,
    client_uri: input.clientUri ?? null,
    logo_uri: input.logoUri ?? null,
    metadata: JSON.stringify(input.metadata ?? {}),
    created_at: Date.now(),
    fetched_at: null,
  };
  await db.insertInto('oauth_clients').values(row).execute();
  return { client: toClient(row), clientSecret };
}
