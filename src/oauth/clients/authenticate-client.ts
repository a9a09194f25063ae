import type { Executor } from '../../store/index.js';
import { safeEqual, sha256 } from '../../crypto/index.js';
import { InvalidClient, InvalidRequest } from '../../errors/index.js';
import { toClient, type OAuthClient } from './oauth-client.js';

export interface ClientCredentialsInput {
  /** The Authorization header, if any (client_secret_basic). */
  authorization?: string;
  /** The form body (client_id, client_secret for client_secret_post; client_id alone for none). */
  body: Record<string, unknown>;
}

const str = (v: unknown) => (typeof v === 'string' ? v : undefined);

/** Decodes `Basic base64(urlencode(id):urlencode(secret))` (RFC 6749 §2.3.1). */
function parseBasic(header: string): { id: string; secret: string } {
  const m = /^Basic ([A-Za-z0-9+/=._~-]+)$/i.exec(header.trim());
  if (!m) throw new InvalidClient('malformed Basic authorization');
  const decoded = Buffer.from(m[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) throw new InvalidClient('malformed Basic authorization');
  try {
    return {
      id: decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, ' ')),
      secret: decodeURIComponent(decoded.slice(colon + 1).replace(/\+/g, ' ')),
    };
  } catch {
    throw new InvalidClient('malformed Basic authorization');
  }
}

/** The client_id a request names (Basic header or form), whether or not it authenticates; undefined if none or malformed. */
export function claimedClientId(input: ClientCredentialsInput): string | undefined {
  if (input.authorization && /^basic /i.test(input.authorization)) {
    try {
      return parseBasic(input.authorization).id;
    } catch {
      return undefined;
    }
  }
  return str(input.body.client_id);
}

/**
 * Authenticates the client of a token, revocation or introspection request with exactly one method:
 * client_secret_basic, client_secret_post, or none (public client: client_id only; PKCE protects the code).
 * The method must be the one the client registered. Secrets are compared as SHA-256 hashes in constant time.
 * Throws InvalidClient (401) or InvalidRequest. `recent`: the app's remembered authentications (see REMEMBER_MS).
 */
export async function authenticateClient(
  db: Executor,
  input: ClientCredentialsInput,
  recent: Map<string, { client: OAuthClient; until: number }>,
): Promise<OAuthClient> {
  const bodyId = str(input.body.client_id);
  const bodySecret = str(input.body.client_secret);
  let id: string;
  let secret: string | undefined;
  let method: OAuthClient['tokenEndpointAuthMethod'];
  if (input.authorization && /^basic /i.test(input.authorization)) {
    if (bodySecret !== undefined) throw new InvalidRequest('use one client authentication method, not several');
    ({ id, secret } = parseBasic(input.authorization));
    if (bodyId !== undefined && bodyId !== id) throw new InvalidRequest('client_id differs from the authenticated client');
    method = 'client_secret_basic';
  } else if (bodySecret !== undefined) {
    if (!bodyId) throw new InvalidClient('client_id is missing');
    id = bodyId;
    secret = bodySecret;
    method = 'client_secret_post';
  } else {
    if (!bodyId) throw new InvalidClient('client authentication is missing');
    id = bodyId;
    method = 'none';
  }
  const cacheKey = `${method} ${id} ${secret === undefined ? '' : sha256(secret)}`;
  const hit = recent.get(cacheKey);
  if (hit && hit.until > Date.now()) return hit.client;
  const row = id.length <= 2048 ? await db.selectFrom('oauth_clients').selectAll().where('id', '=', id).executeTakeFirst() : undefined;
  if (!row) throw new InvalidClient('unknown client or wrong credentials');
  if (row.token_endpoint_auth_method !== method) {
    throw new InvalidClient(`this client authenticates with ${row.token_endpoint_auth_method}, not ${method}`);
  }
  if (method !== 'none' && !(row.secret_hash && secret !== undefined && safeEqual(sha256(secret), row.secret_hash))) {
    throw new InvalidClient('unknown client or wrong credentials');
  }
  const client = toClient(row);
  if (recent.size >= 10_000) recent.clear();
  recent.set(cacheKey, { client, until: Date.now() + REMEMBER_MS });
  return client;
}

/**
 * Successful authentications are remembered for one second (keyed by method, id and the secret's hash), so a
 * busy client costs one lookup a second instead of one per request. A deleted client or a changed secret
 * therefore takes up to a second to stop working, on every instance.
 */
const REMEMBER_MS = 1000;
