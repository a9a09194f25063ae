import type { OAuthClientsTable } from '../tables.js';
import { parseScope } from '../../scopes/index.js';

export type TokenEndpointAuthMethod = OAuthClientsTable['token_endpoint_auth_method'];

/** A registered OAuth client as the rest of the code sees it (the row with JSON fields parsed). */
export interface OAuthClient {
  clientId: string;
  name: string;
  tokenEndpointAuthMethod: TokenEndpointAuthMethod;
  /** True when it holds a secret or keys (client_secret_basic / client_secret_post / private_key_jwt). */
  confidential: boolean;
  redirectUris: string[];
  grantTypes: string[];
  /** Scopes it may ask for; null: any valid scope. */
  scope: string[] | null;
  source: string;
  ownerUserId: string | null;
  clientUri: string | null;
  logoUri: string | null;
  metadata: Record<string, unknown>;
  createdAt: number;
}

/** Parses a stored row. */
export function toClient(row: OAuthClientsTable): OAuthClient {
  return {
    clientId: row.id,
    name: row.name,
    tokenEndpointAuthMethod: row.token_endpoint_auth_method,
    confidential: row.secret_hash !== null || row.token_endpoint_auth_method === 'private_key_jwt',
    redirectUris: JSON.parse(row.redirect_uris),
    grantTypes: JSON.parse(row.grant_types),
    scope: row.scope === null ? null : parseScope(row.scope),
    source: row.source,
    ownerUserId: row.owner_user_id,
    clientUri: row.client_uri,
    logoUri: row.logo_uri,
    metadata: JSON.parse(row.metadata),
    createdAt: Number(row.created_at),
  };
}
