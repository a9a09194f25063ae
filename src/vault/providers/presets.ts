/**
 * Provider presets, as data in the form of a providers entry (snake_case). An entry `{"preset": "google",
 * "client_id": …, "client_secret_env": …}` takes everything else from here; any field the entry gives replaces the
 * preset's (whole: `scopes`, `authorize_params` and `account` are not merged). The id defaults to the preset's name.
 */
export const presets = {
  google: {
    name: 'Google',
    kind: 'oidc',
    issuer: 'https://accounts.google.com',
    scopes: ['openid', 'email', 'profile'],
    // A refresh token is only issued with access_type=offline, and only on the first consent unless prompt=consent.
    authorize_params: { access_type: 'offline', prompt: 'consent' },
    account: { claims: ['email'] },
  },
  github: {
    name: 'GitHub',
    kind: 'oauth2',
    authorization_endpoint: 'https://github.com/login/oauth/authorize',
    token_endpoint: 'https://github.com/login/oauth/access_token',
    userinfo_endpoint: 'https://api.github.com/user',
    token_endpoint_auth_method: 'client_secret_post',
    scopes: ['read:user'],
    // OAuth app tokens do not expire (no refresh token); GitHub has no RFC 7009 revocation endpoint.
    account: { userinfo_fields: ['login'] },
  },
  microsoft: {
    // The `common` endpoint serves every tenant, so its issuer is templated (https://login.microsoftonline.com/
    // {tenantid}/v2.0): discovery cannot check it against the issuer asked for, nor an ID token's `iss` against it.
    // So: explicit v2.0 endpoints, plain OAuth 2.0 without `openid` (no ID token to check), and the account named by
    // Microsoft Graph's /me. A single-tenant deployment may set `kind: oidc` and its own tenant's issuer instead.
    name: 'Microsoft',
    kind: 'oauth2',
    authorization_endpoint: 'https://login.microsoftonline.com/common/oauth2/v2.0/authorize',
    token_endpoint: 'https://login.microsoftonline.com/common/oauth2/v2.0/token',
    userinfo_endpoint: 'https://graph.microsoft.com/v1.0/me',
    scopes: ['offline_access', 'User.Read'],
    account: { userinfo_fields: ['mail', 'userPrincipalName'] },
  },
  slack: {
    // Slack's v2 flow (a bot token per workspace); scopes are comma-separated there.
    name: 'Slack',
    kind: 'oauth2',
    authorization_endpoint: 'https://slack.com/oauth/v2/authorize',
    token_endpoint: 'https://slack.com/api/oauth.v2.access',
    revocation_endpoint: 'https://slack.com/api/auth.revoke',
    userinfo_endpoint: 'https://slack.com/api/auth.test',
    token_endpoint_auth_method: 'client_secret_post',
    scopes: ['channels:read', 'chat:write'],
    scope_separator: ',',
    account: { userinfo_fields: ['team'] },
    // Not plain OAuth: a bot token is token_type "bot", and errors are HTTP 200 {"ok": false, "error": "…"}.
    token_types: ['bot', 'user'],
    error_style: 'ok_false',
  },
  x: {
    name: 'X',
    kind: 'oauth2',
    authorization_endpoint: 'https://x.com/i/oauth2/authorize',
    token_endpoint: 'https://api.x.com/2/oauth2/token',
    revocation_endpoint: 'https://api.x.com/2/oauth2/revoke',
    userinfo_endpoint: 'https://api.x.com/2/users/me',
    token_endpoint_auth_method: 'client_secret_basic',
    pkce: true,
    // offline.access: a refresh token (X's access tokens last two hours).
    scopes: ['tweet.read', 'tweet.write', 'users.read', 'offline.access'],
    account: { userinfo_fields: ['data.username'] },
  },
  telegram: {
    name: 'Telegram bot',
    kind: 'api_key',
    api_base: 'https://api.telegram.org',
    fields: [{ name: 'bot_token', label: 'Bot token', pattern: '\\d+:[A-Za-z0-9_-]{30,}', secret: true }],
    // The Bot API's getMe answers {"ok": true, "result": {"username": …}} for a valid token, 401 otherwise.
    verify: { url: '{api_base}/bot{bot_token}/getMe', account_field: 'result.username', account_prefix: '@' },
  },
  http_api_key: {
    name: 'HTTP API key',
    kind: 'api_key',
    fields: [{ name: 'api_key', label: 'API key', secret: true }],
  },
} as const satisfies Record<string, Record<string, unknown>>;

/** The name of a preset (`google`, `github`, `microsoft`, `slack`, `x`, `telegram`, `http_api_key`). */
export type PresetName = keyof typeof presets;
