import { opt, type OptionSchema, type OptionValues } from '../config/index.js';

/** The authorization server's slice of the config (OAuth 2.1 for MCP). */
export const oauthOptions = {
  oauthCodeTtl: opt.int(
    'OAUTH3_OAUTH_CODE_TTL',
    'Authorization code lifetime in seconds (RFC 6749 §4.1.2: short-lived, single use).',
    600,
    10,
    3600,
  ),
  oauthAccessTokenTtl: opt.int('OAUTH3_OAUTH_ACCESS_TOKEN_TTL', 'OAuth access token (RFC 9068 JWT) lifetime in seconds.', 3600, 1, 86400),
  oauthRefreshTokenTtl: opt.int(
    'OAUTH3_OAUTH_REFRESH_TOKEN_TTL',
    'Refresh token lifetime in seconds (rotated on every use).',
    86400,
    60,
    365 * 86400,
  ),
  oauthRefreshGraceSeconds: opt.int(
    'OAUTH3_OAUTH_REFRESH_GRACE',
    'Seconds after a refresh during which reusing the old refresh token returns the same new pair (concurrent refresh) instead of revoking the family; 0 disables.',
    10,
    0,
    300,
  ),
  oauthRegistration: opt.enumOf(
    'OAUTH3_OAUTH_REGISTRATION',
    'RFC 7591 dynamic client registration: open (anyone, as MCP clients expect), token (an initial access token is required) or closed.',
    'open',
    ['open', 'token', 'closed'] as const,
  ),
  oauthRegistrationToken: opt.string<string | undefined>(
    'OAUTH3_OAUTH_REGISTRATION_TOKEN',
    'The initial access token /register requires when OAUTH3_OAUTH_REGISTRATION=token.',
    undefined,
  ),
  oauthCimd: opt.bool('OAUTH3_OAUTH_CIMD', 'Accept Client ID Metadata Documents (an https client_id URL is fetched and validated).', true),
  oauthCimdAllowRanges: opt.list(
    'OAUTH3_OAUTH_CIMD_ALLOW_RANGES',
    'CIDR ranges CIMD fetches may reach although private, loopback or link-local (SSRF protection refuses them by default). Dangerous.',
    [],
  ),
  oauthCimdAllowHttp: opt.bool(
    'OAUTH3_OAUTH_CIMD_ALLOW_HTTP',
    'Accept http: client_id URLs (development only; the spec requires https).',
    false,
  ),
  oauthValidScopes: opt.list('OAUTH3_OAUTH_VALID_SCOPES', 'Scopes clients may request; empty means every scope in the registry.', []),
  oauthDefaultScopes: opt.list(
    'OAUTH3_OAUTH_DEFAULT_SCOPES',
    'Scopes granted when a request names none; empty means the scopes of the requested resource.',
    [],
  ),
  resources: opt.json<Array<{ url: string; name: string; scopes: Array<string | { name: string; description: string }> }>>(
    'OAUTH3_RESOURCES',
    'Resource servers (RFC 8707) tokens may be issued for besides the gateway itself: [{url, name, scopes}] (external MCP servers).',
    [],
    (v) =>
      Array.isArray(v) && v.every((r) => r && typeof r.url === 'string' && typeof r.name === 'string' && Array.isArray(r.scopes))
        ? undefined
        : 'must be a JSON array of {url, name, scopes}',
  ),
  tokenExchangeMaxDepth: opt.int(
    'OAUTH3_TOKEN_EXCHANGE_MAX_DEPTH',
    'How many times a delegated token may be exchanged down a chain of sub-agents (RFC 8693 act nesting).',
    3,
    0,
    10,
  ),
} satisfies OptionSchema;

declare module '../config/config.js' {
  interface Config extends OptionValues<typeof oauthOptions> {}
}
