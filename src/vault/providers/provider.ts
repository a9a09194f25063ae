/**
 * A vault provider, as data (DESIGN: "a vault provider is data … validated at start, with code hooks only where a
 * provider is not plain OAuth"). Declared in `OAUTH3_PROVIDERS` / `OAUTH3_PROVIDERS_FILE` (snake_case fields there),
 * or taken from a preset; validated once at start into this shape.
 */
export type Provider = OAuthProvider | KeyProvider;

/** An upstream OAuth 2.0 / OpenID Connect authorization server the person connects an account of. */
export interface OAuthProvider {
  id: string;
  name: string;
  kind: 'oauth2' | 'oidc';
  /** Discovery (RFC 8414 / OpenID Discovery) from this issuer, unless every endpoint below is given. */
  issuer?: string;
  authorizationEndpoint?: string;
  tokenEndpoint?: string;
  revocationEndpoint?: string;
  userinfoEndpoint?: string;
  clientId: string;
  /** Resolved at start (from `client_secret`, or the env variable `client_secret_env` names). */
  clientSecret?: string;
  tokenEndpointAuthMethod: 'client_secret_basic' | 'client_secret_post' | 'none';
  /** Scopes asked for when the caller names none. */
  scopes: string[];
  /** How scopes are joined upstream (RFC 6749 says space; some providers use a comma). */
  scopeSeparator: string;
  /** PKCE S256 on the upstream authorize (default true). */
  pkce: boolean;
  /** Extra authorize parameters (`access_type=offline`, `prompt=consent`). */
  authorizeParams: Record<string, string>;
  /** How the upstream account is named: an ID token claim and/or a userinfo field (dot path), first found wins. */
  account: { claims: string[]; userinfoFields: string[] };
  /** Refresh this many seconds before expiry (default 300). */
  refreshMarginSeconds: number;
  /** `token_type` values besides bearer it sends for a bearer token (Slack: `bot`, `user`). */
  tokenTypes?: string[];
  /** `ok_false`: errors come as HTTP 200 `{ "ok": false, "error": … }` (Slack's Web API) instead of RFC 6749 §5.2's 400. */
  errorStyle?: 'ok_false';
}

/** A field a person enters for a key provider (a bot token, an API key). */
export interface KeyField {
  name: string;
  label: string;
  /** A regular expression (source) the value must match in full. */
  pattern?: string;
  /** Secret fields are sealed and never shown again; others (a base URL, an account name) are shown. */
  secret: boolean;
}

/** The result of checking entered keys against the upstream: the account they belong to. */
export interface KeyVerification {
  account: string;
}

/** A provider whose credential is entered by the person (Telegram bot token, a generic HTTP API key). */
export interface KeyProvider {
  id: string;
  name: string;
  kind: 'api_key';
  fields: KeyField[];
  /** The upstream API's base URL (Telegram: https://api.telegram.org), for `{api_base}` in `verify` and for the proxy. */
  apiBase?: string;
  /**
   * Optional check of the entered values against the upstream (Telegram's `getMe`); throws an Error whose message
   * can be shown to the person when the values are refused. Data-declared providers get one built from `verify`.
   */
  verify?(values: Record<string, string>, signal: AbortSignal): Promise<KeyVerification>;
}
