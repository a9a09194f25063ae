import type { AppContext } from '../../kernel/index.js';
import type { AuthorizationServer } from '../authorization-server.js';
import { OAuthError } from '../../errors/index.js';
import { findClient } from '../clients/find-client.js';
import { createClient } from '../clients/create-client.js';
import { parseClientMetadata } from '../clients/client-metadata.js';
import type { OAuthClient } from '../clients/oauth-client.js';
import { guardedFetch, FetchRefused } from './guarded-fetch.js';
import { cacheLifetimeMs } from './cache-lifetime.js';
import { cliClientDocument, cliClientId } from './cli-client-document.js';

/** Why a Client ID Metadata Document was not accepted (shown on the error page; never a redirect). */
export class ClientMetadataError extends Error {
  override name = 'ClientMetadataError';
}

/** True when a client_id is a URL naming a metadata document (https, with a path). */
export function isMetadataClientId(ctx: AppContext, clientId: string): boolean {
  if (!ctx.config.oauthCimd || !URL.canParse(clientId)) return false;
  if (clientId === cliClientId(ctx)) return true; // the gateway's own document, whatever the scheme of its URL
  const u = new URL(clientId);
  return (u.protocol === 'https:' || (u.protocol === 'http:' && ctx.config.oauthCimdAllowHttp)) && u.pathname !== '/';
}

/** How long the gateway's own CLI document, once stored, is used before it is stored again (it never changes in a run). */
const OWN_DOCUMENT_MS = 3600_000;

/** Fetches, validates and stores (as source `cimd`) the document a URL client_id names; the gateway's own is not fetched. */
async function fetchDocument(ctx: AppContext, clientId: string): Promise<{ client: OAuthClient; ttlMs: number }> {
  if (clientId === cliClientId(ctx)) return { client: await storeDocument(ctx, clientId, cliClientDocument(ctx)), ttlMs: OWN_DOCUMENT_MS };
  let res;
  try {
    res = await guardedFetch(clientId, {
      allowRanges: ctx.config.oauthCimdAllowRanges,
      allowHttp: ctx.config.oauthCimdAllowHttp,
      maxBytes: 5120,
      timeoutMs: 5000,
      maxRedirects: 3,
    });
  } catch (e) {
    throw new ClientMetadataError(
      `the client metadata document could not be fetched: ${e instanceof FetchRefused ? e.message : 'fetch failed'}`,
    );
  }
  if (res.status !== 200) throw new ClientMetadataError(`the client metadata document answered HTTP ${res.status}`);
  let doc: unknown;
  try {
    doc = JSON.parse(res.body.toString('utf8'));
  } catch {
    throw new ClientMetadataError('the client metadata document is not JSON');
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc))
    throw new ClientMetadataError('the client metadata document is not a JSON object');
  return { client: await storeDocument(ctx, clientId, doc as Record<string, unknown>), ttlMs: cacheLifetimeMs(res.headers) };
}

/** Validates a Client ID Metadata Document and stores it as the client `clientId` (source `cimd`). */
async function storeDocument(ctx: AppContext, clientId: string, m: Record<string, unknown>): Promise<OAuthClient> {
  if (m.client_id !== clientId) throw new ClientMetadataError('the client_id in the metadata document differs from its URL');
  if (m.client_secret !== undefined) throw new ClientMetadataError('a client metadata document must not contain a client_secret');
  let input;
  try {
    input = parseClientMetadata(m, { knownScope: (s) => ctx.registries.scopes.has(s), publicOnly: true });
  } catch (e) {
    throw new ClientMetadataError(
      `the client metadata document is invalid: ${e instanceof OAuthError ? e.error_description : 'bad metadata'}`,
    );
  }
  if (!m.client_name) input.name = new URL(clientId).host;
  let client: OAuthClient;
  try {
    client = await ctx.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('oauth_clients').where('id', '=', clientId).where('source', '=', 'cimd').execute();
      const { client } = await createClient(trx, { ...input, clientId, source: 'cimd' });
      await trx.updateTable('oauth_clients').set({ fetched_at: Date.now() }).where('id', '=', clientId).execute();
      return client;
    });
  } catch (e) {
    // A concurrent fetch of the same document stored it first (PostgreSQL: unique violation): use that one.
    const stored = await findClient(ctx.db, clientId);
    if (!stored || stored.source !== 'cimd') throw e;
    client = stored;
  }
  return client;
}

/**
 * The client a client_id names at /authorize: a registered client, or, for an https URL, the Client ID
 * Metadata Document it points at (fetched with SSRF protection, re-fetched when its HTTP cache lifetime ends).
 * Returns undefined for an unknown client; throws ClientMetadataError for a bad document.
 */
export async function resolveClient(as: AuthorizationServer, clientId: string): Promise<OAuthClient | undefined> {
  const { ctx } = as;
  if (!isMetadataClientId(ctx, clientId)) return findClient(ctx.db, clientId);
  const cache = as.metadataFreshUntil;
  const freshUntil = cache.get(clientId);
  if (freshUntil && freshUntil > Date.now()) {
    const stored = await findClient(ctx.db, clientId);
    if (stored) return stored;
  }
  const { client, ttlMs } = await fetchDocument(ctx, clientId);
  if (ttlMs > 0) cache.set(clientId, Date.now() + ttlMs);
  else cache.delete(clientId);
  return client;
}
