import * as oauth from 'oauth4webapi';
import { HttpError, OAuthFlowError } from '../client-errors.js';
import type { StoredCredentials } from '../stored-credentials.js';
import type { TokenStore } from '../token-store.js';
import { discover, parseHttpsUrl } from '../discovery/discover.js';
import { httpOptionsFor, type FetchLike } from '../discovery/http-options.js';
import { fileTokenStore } from '../tokens/file-token-store.js';
import { startLoopbackCallback } from './loopback-callback.js';
import { openBrowser } from './open-browser.js';
import { registerClient } from './register-client.js';

/** Options of {@link login}. */
export interface LoginOptions {
  /** The authorization server (issuer) URL. With `resource`, it must be one the resource names. */
  server?: string;
  /** The protected resource to get tokens for (RFC 9728 discovery first; `resource` on both requests, RFC 8707). */
  resource?: string;
  /**
   * The scopes to ask for. Default: the resource metadata's `scopes_supported` (none without a resource, i.e. the
   * server's default), plus `offline_access` when the server lists it (so the login can be refreshed).
   */
  scopes?: string[];
  /** A client registered beforehand (a public client, redirect URI `http://127.0.0.1/callback`): skips CIMD and DCR. */
  clientId?: string;
  /** Open the authorization URL in the person's browser (default true), or a function that does it (tests). */
  openBrowser?: boolean | ((url: string) => void | Promise<void>);
  /** How long to wait for the browser (default 5 minutes). */
  timeoutMs?: number;
  /** Where to save the credentials (default: the file store of the issuer and resource). */
  store?: TokenStore;
  /** Called with the authorization URL before waiting (the CLI prints it). */
  onUrl?: (url: string) => void;
  fetch?: FetchLike;
}

/** The claims of a JWT, unverified (only to name the account: the token is the server's business). */
function jwtClaims(token: string | undefined): Record<string, unknown> | undefined {
  const part = token?.split('.')[1];
  if (!part || token!.split('.').length !== 3) return undefined;
  try {
    const v = JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as unknown;
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function accountOf(tokens: oauth.TokenEndpointResponse): StoredCredentials['account'] {
  const claims = oauth.getValidatedIdTokenClaims(tokens) ?? jwtClaims(tokens.access_token);
  if (!claims || typeof claims.sub !== 'string') return undefined;
  const name = [claims.preferred_username, claims.name, claims.email].find((v): v is string => typeof v === 'string');
  return { sub: claims.sub, ...(name ? { name } : {}) };
}

/** The default scopes (see {@link LoginOptions.scopes}). */
function defaultScopes(as: oauth.AuthorizationServer, resourceMetadata?: oauth.ResourceServer): string[] {
  const scopes = [...(resourceMetadata?.scopes_supported ?? [])];
  if (as.scopes_supported?.includes('offline_access') && !scopes.includes('offline_access')) scopes.push('offline_access');
  return scopes;
}

/** An oauth4webapi failure of the authorization response or the code exchange, in the client's hierarchy. */
function flowError(e: unknown, as: oauth.AuthorizationServer, step: string): Error {
  if (e instanceof oauth.AuthorizationResponseError) {
    if (e.error === 'access_denied')
      return new OAuthFlowError(`The sign-in was declined at ${as.issuer}: nothing was saved.`, {
        reason: 'access_denied',
        detail: e.error_description ?? undefined,
      });
    return new OAuthFlowError(`${as.issuer} refused the sign-in: ${e.error}${e.error_description ? ` (${e.error_description})` : ''}.`, {
      reason: e.error,
    });
  }
  if (e instanceof oauth.ResponseBodyError)
    return new HttpError(`${as.issuer} refused the ${step}: ${e.error}${e.error_description ? ` (${e.error_description})` : ''}.`, {
      reason: e.error,
      status: e.status,
      url: String(as.token_endpoint),
      cause: e,
    });
  if (e instanceof oauth.OperationProcessingError)
    return new OAuthFlowError(`The ${step} could not be trusted: ${e.message}.`, { reason: 'invalid_response', detail: e.code, cause: e });
  return e instanceof Error ? e : new Error(String(e));
}

/**
 * Logs in with the authorization code flow for a native app (RFC 8252) and saves the credentials: discovery (RFC
 * 9728, then RFC 8414, the issuer compared exactly), registration (see registerClient), PKCE S256, `state`, `resource`
 * on the authorization and token requests (RFC 8707), a loopback redirect on a random port, the browser opened (or
 * the URL handed to `onUrl`), the response checked by oauth4webapi (`state`, and `iss` per RFC 9207 against the
 * discovered issuer), the code exchanged. A declined sign-in is OAuthFlowError `access_denied`; no answer in time,
 * OAuthFlowError `timeout`.
 */
export async function login(o: LoginOptions): Promise<StoredCredentials> {
  const found = await discover({ server: o.server, resource: o.resource, fetch: o.fetch });
  const as = found.as;
  if (!as.authorization_endpoint || !as.token_endpoint)
    throw new OAuthFlowError(`${as.issuer} publishes no authorization or token endpoint: it cannot be logged in to from here.`, {
      reason: 'unsupported_server',
    });
  // a hostile server's endpoint is not opened in the browser or posted to unless it is https (http only on loopback)
  const authorizationEndpoint = parseHttpsUrl(as.authorization_endpoint, `The authorization endpoint of ${as.issuer}`);
  parseHttpsUrl(as.token_endpoint, `The token endpoint of ${as.issuer}`);
  const methods = as.code_challenge_methods_supported;
  if (Array.isArray(methods) && !methods.includes('S256'))
    throw new OAuthFlowError(`${as.issuer} does not support PKCE with S256: logging in there would not be safe.`, {
      reason: 'unsupported_server',
    });
  const scopes = o.scopes ?? defaultScopes(as, found.resourceMetadata);
  const scope = scopes.join(' ');
  const state = oauth.generateRandomState();
  const verifier = oauth.generateRandomCodeVerifier();
  const loopback = await startLoopbackCallback({ state, timeoutMs: o.timeoutMs });
  try {
    const registration = await registerClient(as, {
      clientId: o.clientId,
      redirectUri: loopback.redirectUri,
      scope: scope || undefined,
      fetch: o.fetch,
    });
    const client: oauth.Client = { client_id: registration.client_id };
    const url = new URL(authorizationEndpoint);
    const params: Record<string, string> = {
      response_type: 'code',
      client_id: registration.client_id,
      redirect_uri: loopback.redirectUri,
      code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      ...(scope ? { scope } : {}),
      ...(found.resource ? { resource: found.resource } : {}),
      ...(scopes.includes('offline_access') ? { prompt: 'consent' } : {}),
    };
    for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
    o.onUrl?.(url.href);
    const open = o.openBrowser ?? true;
    if (typeof open === 'function') await open(url.href);
    else if (open) await openBrowser(url.href);
    const answer = await loopback.callback;
    let callbackParams: URLSearchParams;
    try {
      callbackParams = oauth.validateAuthResponse(as, client, answer, state);
    } catch (e) {
      throw flowError(e, as, 'answer from the browser');
    }
    const auth = registration.client_secret ? oauth.ClientSecretBasic(registration.client_secret) : oauth.None();
    let tokens: oauth.TokenEndpointResponse;
    try {
      const res = await oauth.authorizationCodeGrantRequest(as, client, auth, callbackParams, loopback.redirectUri, verifier, {
        ...httpOptionsFor(as.token_endpoint, o.fetch),
        ...(found.resource ? { additionalParameters: { resource: found.resource } } : {}),
      });
      tokens = await oauth.processAuthorizationCodeResponse(as, client, res);
    } catch (e) {
      throw flowError(e, as, 'code exchange');
    }
    const now = Math.floor(Date.now() / 1000);
    const credentials: StoredCredentials = {
      version: 1,
      issuer: found.issuer,
      ...(found.resource ? { resource: found.resource } : {}),
      server: {
        token_endpoint: as.token_endpoint,
        ...(as.revocation_endpoint ? { revocation_endpoint: as.revocation_endpoint } : {}),
        authorization_endpoint: as.authorization_endpoint,
        ...(as.introspection_endpoint ? { introspection_endpoint: as.introspection_endpoint } : {}),
      },
      client: registration,
      access_token: tokens.access_token,
      token_type: tokens.token_type,
      ...(tokens.refresh_token ? { refresh_token: tokens.refresh_token } : {}),
      expires_at: now + (typeof tokens.expires_in === 'number' ? tokens.expires_in : 3600),
      scope: tokens.scope ?? scope,
      ...(accountOf(tokens) ? { account: accountOf(tokens) } : {}),
      obtained_at: now,
    };
    const store = o.store ?? fileTokenStore({ issuer: found.issuer, resource: found.resource });
    await store.withLock(() => store.save(credentials));
    return credentials;
  } finally {
    await loopback.close();
  }
}
