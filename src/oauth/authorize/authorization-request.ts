import type { AppContext, Resource } from '../../kernel/index.js';
import { InvalidRequest, OAuthError, UnauthorizedClient, UnsupportedResponseType } from '../../errors/index.js';
import type { OAuthClient } from '../clients/oauth-client.js';
import { redirectUriMatches } from '../clients/redirect-uri-rules.js';
import { resolveClient, ClientMetadataError } from '../cimd/resolve-client.js';
import { cliClientId } from '../cimd/cli-client-document.js';
import { clientScopes } from '../grants/client-scopes.js';
import type { AuthorizationServer } from '../authorization-server.js';
import { CHALLENGE_RE } from '../tokens/pkce.js';
import { singleParams } from '../endpoints/form-params.js';

/** A validated authorization request (RFC 6749 §4.1.1 + PKCE + RFC 8707). */
export interface AuthorizationRequest {
  client: OAuthClient;
  redirectUri: string;
  state?: string;
  codeChallenge: string;
  scopes: string[];
  resources: Resource[];
  /** OpenID Connect `prompt` values (none, login, consent, select_account), space-separated in the request. */
  prompts: string[];
  /** OpenID Connect `max_age`: the longest time, in seconds, since the person last signed in. */
  maxAge?: number;
  /** OpenID Connect nonce (with scope openid), bound to the code and echoed in the ID token. */
  nonce?: string;
  /** The client's redirect URI is vouched for (operator-registered): errors may be redirected there without asking. */
  vouched: boolean;
  /** The parameters as received, to carry through the consent form. */
  raw: Record<string, string | string[]>;
  /** The client is the oauth3 CLI as this gateway publishes it (its own metadata document): the gateway vouches for it. */
  gatewayCli?: boolean;
}

/** The client or redirect URI cannot be trusted: show an error page, never redirect (RFC 6749 §4.1.2.1). */
export class AuthorizeFatal extends Error {
  override name = 'AuthorizeFatal';
}

/**
 * An error to send back to the client's (validated) redirect URI. `automatic`: the redirect URI is vouched for
 * (an operator-registered client), so the browser may be sent there without asking; for a client anyone could
 * have registered (DCR, CIMD, an agent of any signed-up account) it is not (RFC 9700 §4.11.2, MCP "open
 * redirection": the gateway would redirect anywhere its registrant chose).
 */
export class AuthorizeRedirectError extends Error {
  override name = 'AuthorizeRedirectError';
  constructor(
    readonly redirectUri: string,
    readonly state: string | undefined,
    readonly error: OAuthError,
    readonly automatic = true,
  ) {
    super(error.message);
  }
}

/** Clients whose redirect URIs someone with authority registered: the operator (static: config or CLI). */
const VOUCHED = new Set(['static']);

/**
 * Validates an authorization request from the query (GET /authorize, the consent page) or the consent form.
 * Client and redirect URI first: when they fail it throws AuthorizeFatal. Everything after throws
 * AuthorizeRedirectError: code flow only, PKCE S256 required, resource(s) registered, scopes allowed.
 */
export async function parseAuthorizationRequest(as: AuthorizationServer, input: unknown): Promise<AuthorizationRequest> {
  const { ctx } = as;
  const q = (input ?? {}) as Record<string, unknown>;
  for (const k of ['client_id', 'redirect_uri']) if (Array.isArray(q[k])) throw new AuthorizeFatal(`${k} is repeated`);
  const clientId = typeof q.client_id === 'string' ? q.client_id : '';
  if (!clientId) throw new AuthorizeFatal('client_id is missing');
  let client: OAuthClient | undefined;
  try {
    client = await resolveClient(as, clientId);
  } catch (e) {
    if (e instanceof ClientMetadataError) throw new AuthorizeFatal(e.message);
    throw e;
  }
  if (!client) throw new AuthorizeFatal('unknown client_id');
  const given = typeof q.redirect_uri === 'string' ? q.redirect_uri : undefined;
  let redirectUri: string;
  if (given === undefined) {
    if (client.redirectUris.length !== 1) throw new AuthorizeFatal('redirect_uri is missing');
    redirectUri = client.redirectUris[0];
  } else if (redirectUriMatches(client.redirectUris, given)) {
    redirectUri = given;
  } else {
    throw new AuthorizeFatal('redirect_uri is not registered for this client');
  }
  const state = typeof q.state === 'string' ? q.state : undefined;
  const fail = (e: OAuthError) => new AuthorizeRedirectError(redirectUri, state, e, VOUCHED.has(client.source));
  let params: Record<string, string>;
  let requested: string[];
  try {
    ({ params, resources: requested } = singleParams(q));
  } catch (e) {
    throw fail(e as OAuthError);
  }
  if (params.response_type !== 'code') throw fail(new UnsupportedResponseType('only response_type=code is supported'));
  if (!client.grantTypes.includes('authorization_code'))
    throw fail(new UnauthorizedClient('this client may not use the authorization code flow'));
  if (!params.code_challenge) throw fail(new InvalidRequest('PKCE is required: code_challenge is missing'));
  if (params.code_challenge_method !== 'S256')
    throw fail(new InvalidRequest('code_challenge_method must be S256 (plain is not supported)'));
  if (!CHALLENGE_RE.test(params.code_challenge)) throw fail(new InvalidRequest('code_challenge is not a base64url SHA-256 value'));
  if (params.nonce !== undefined && (params.nonce.length === 0 || params.nonce.length > 512))
    throw fail(new InvalidRequest('nonce must be 1 to 512 characters'));
  const prompts = (params.prompt ?? '').split(' ').filter(Boolean);
  if (prompts.includes('none') && prompts.length > 1) throw fail(new InvalidRequest('prompt=none cannot be combined with other values'));
  if (params.max_age !== undefined && !/^\d{1,9}$/.test(params.max_age))
    throw fail(new InvalidRequest('max_age must be a whole number of seconds'));
  try {
    const resources = await ctx.resources.resolve(requested);
    const scopes = clientScopes(ctx, client, params.scope, resources);
    return {
      client,
      redirectUri,
      state,
      codeChallenge: params.code_challenge,
      scopes,
      resources,
      prompts,
      vouched: VOUCHED.has(client.source),
      ...(params.max_age !== undefined ? { maxAge: Number(params.max_age) } : {}),
      nonce: params.nonce,
      raw: q as AuthorizationRequest['raw'],
      gatewayCli: client.clientId === cliClientId(ctx),
    };
  } catch (e) {
    if (e instanceof OAuthError) throw fail(e);
    throw e;
  }
}

/** The redirect URI with response parameters (and `iss`, RFC 9207) added to its query. */
export function responseRedirect(ctx: AppContext, redirectUri: string, params: Record<string, string | undefined>): string {
  const u = new URL(redirectUri);
  for (const [k, v] of Object.entries({ ...params, iss: ctx.config.publicUrl })) if (v !== undefined) u.searchParams.append(k, v);
  return u.href;
}

/** The redirect for an AuthorizeRedirectError. */
export function errorRedirect(ctx: AppContext, e: AuthorizeRedirectError): string {
  return responseRedirect(ctx, e.redirectUri, { error: e.error.error, error_description: e.error.error_description, state: e.state });
}
