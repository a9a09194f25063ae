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
  resources: opt.json<
    Array<{ url: string; name: string; scopes: Array<string | { name: string; description: string }>; introspector?: string }>
  >(
    'OAUTH3_RESOURCES',
    'Resource servers (RFC 8707) tokens may be issued for besides the gateway itself: [{url, name, scopes, introspector?}] (external MCP servers); introspector is the client_id allowed to introspect tokens meant for it (RFC 7662 §4).',
    [],
    (v) =>
      Array.isArray(v) &&
      v.every(
        (r) =>
          r &&
          typeof r.url === 'string' &&
          typeof r.name === 'string' &&
          Array.isArray(r.scopes) &&
          (r.introspector === undefined || (typeof r.introspector === 'string' && r.introspector !== '')),
      )
        ? undefined
        : 'must be a JSON array of {url, name, scopes, introspector?}',
  ),
  oauthClientAuthFailuresPerClient: opt.int(
    'OAUTH3_OAUTH_CLIENT_AUTH_FAILURES_PER_CLIENT',
    'Failed client authentications one client_id may have at /token, /introspect and /revoke within the window before every attempt, even with the right secret, gets 429 until the window ends (guessing a client secret); 0 turns it off. Successful ones are never counted. Counted on the database: every instance and worker on one database shares the count.',
    10,
    0,
    1_000_000,
  ),
  oauthClientAuthFailuresPerAddress: opt.int(
    'OAUTH3_OAUTH_CLIENT_AUTH_FAILURES_PER_ADDRESS',
    'Failed client authentications one client address may have at /token, /introspect and /revoke within the window, whatever client_id it names, before its attempts get 429 until the window ends; 0 turns it off.',
    30,
    0,
    1_000_000,
  ),
  oauthClientAuthFailureWindow: opt.int(
    'OAUTH3_OAUTH_CLIENT_AUTH_FAILURE_WINDOW',
    'Seconds over which failed client authentications are counted (OAUTH3_OAUTH_CLIENT_AUTH_FAILURES_*); a count starts at its first failure.',
    60,
    1,
    86400,
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
