import * as oauth from 'oauth4webapi';
import { HttpError, OAuthFlowError } from '../client-errors.js';
import type { StoredCredentials } from '../stored-credentials.js';
import { httpOptionsFor, type FetchLike } from '../discovery/http-options.js';

/** The client registration login uses. */
export type ClientRegistration = StoredCredentials['client'];

/** Where the oauth3 gateway publishes the CLI's Client ID Metadata Document, relative to its issuer. */
const CLI_DOCUMENT_PATH = '/oauth/cli-client.json';

/**
 * The CLI's Client ID Metadata Document at this server, when the server is an oauth3 gateway publishing one: the
 * server must advertise `client_id_metadata_document_supported`, and `{issuer}/oauth/cli-client.json` must be a
 * document whose `client_id` is its own URL, a public client with a loopback redirect. Undefined otherwise.
 */
async function gatewayCliDocument(as: oauth.AuthorizationServer, fetchFn?: FetchLike): Promise<string | undefined> {
  if (as.client_id_metadata_document_supported !== true) return undefined;
  const url = `${as.issuer.replace(/\/+$/, '')}${CLI_DOCUMENT_PATH}`;
  try {
    const res = await (fetchFn ?? fetch)(url, {
      headers: { accept: 'application/json' },
      redirect: 'manual',
      signal: AbortSignal.timeout(15_000),
    });
    if (res.status !== 200) return undefined;
    const doc = (await res.json()) as Record<string, unknown>;
    const uris = Array.isArray(doc.redirect_uris) ? doc.redirect_uris : [];
    return doc.client_id === url && doc.token_endpoint_auth_method === 'none' && uris.includes('http://127.0.0.1/callback')
      ? url
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * How login identifies itself: the `--client-id` given (static, a public client); else the CLI's Client ID
 * Metadata Document the oauth3 gateway publishes (when the server offers CIMD and publishes it); else RFC 7591
 * dynamic registration of a public client (`none`) with the exact loopback redirect URI; else an OAuthFlowError
 * saying to pass `--client-id`.
 */
export async function registerClient(
  as: oauth.AuthorizationServer,
  o: { clientId?: string; redirectUri: string; scope?: string; fetch?: FetchLike },
): Promise<ClientRegistration> {
  if (o.clientId) return { client_id: o.clientId, token_endpoint_auth_method: 'none', registration: 'static' };
  const document = await gatewayCliDocument(as, o.fetch);
  if (document) return { client_id: document, token_endpoint_auth_method: 'none', registration: 'cimd' };
  if (!as.registration_endpoint) {
    throw new OAuthFlowError(
      `${as.issuer} offers no dynamic client registration (no registration_endpoint): register a public client with the redirect URI http://127.0.0.1/callback there and pass --client-id.`,
      { reason: 'registration_unavailable' },
    );
  }
  const metadata = {
    client_name: 'oauth3 CLI',
    redirect_uris: [o.redirectUri],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'none',
    application_type: 'native',
    ...(o.scope ? { scope: o.scope } : {}),
  };
  let client: Omit<oauth.Client, symbol>;
  try {
    const res = await oauth.dynamicClientRegistrationRequest(as, metadata, httpOptionsFor(as.registration_endpoint, o.fetch));
    client = await oauth.processDynamicClientRegistrationResponse(res);
  } catch (e) {
    if (e instanceof oauth.ResponseBodyError)
      throw new HttpError(
        `Client registration at ${as.registration_endpoint} was refused: ${e.error}${e.error_description ? ` (${e.error_description})` : ''}.`,
        {
          reason: 'registration_failed',
          status: e.status,
          url: as.registration_endpoint,
          cause: e,
        },
      );
    throw new OAuthFlowError(`Client registration at ${as.registration_endpoint} failed: pass --client-id to use a registered client.`, {
      reason: 'registration_failed',
      detail: e instanceof Error ? e.message : String(e),
      cause: e,
    });
  }
  return {
    client_id: String(client.client_id),
    ...(typeof client.client_secret === 'string' ? { client_secret: client.client_secret } : {}),
    token_endpoint_auth_method: typeof client.client_secret === 'string' ? 'client_secret_basic' : 'none',
    registration: 'dcr',
  };
}
