import { availableParallelism } from 'node:os';
import { opt } from './option.js';

/**
 * The one config schema. Every option: env name, what it does and why, default. Env wins over the optional
 * config file (OAUTH3_CONFIG, JSON keyed by the property names below). Embedded defaults need no config at all.
 * Dangerous features are off by default.
 */
export const schema = {
  // ── Server ────────────────────────────────────────────────────────────────
  port: opt.int('OAUTH3_PORT', 'TCP port to listen on.', 8000, 0, 65535),
  host: opt.string('OAUTH3_HOST', 'Interface to bind; 0.0.0.0 listens on every interface (default: loopback only).', '127.0.0.1'),
  publicUrl: opt.url('OAUTH3_PUBLIC_URL',
    'Public base URL: the OAuth issuer (RFC 8414), the WebAuthn origin and RP ID, and the redirect base.',
    (c) => `http://localhost:${c.port}`),
  trustProxy: opt.bool('OAUTH3_TRUST_PROXY', 'Trust X-Forwarded-* headers (only behind a reverse proxy you control).', false),
  bodyLimit: opt.int('OAUTH3_BODY_LIMIT', 'Largest request body accepted, in bytes; larger bodies get 413.', 1024 * 1024, 1024, 64 * 1024 * 1024),
  shutdownTimeoutMs: opt.int('OAUTH3_SHUTDOWN_TIMEOUT_MS', 'How long graceful shutdown waits for in-flight requests.', 10_000, 0, 600_000),
  rateLimitAuth: opt.int('OAUTH3_RATE_LIMIT_AUTH',
    'Requests a minute one IP may make to the unauthenticated endpoints that guess or create (passkey sign-in and sign-up, dynamic client registration); 429 beyond. 0 turns it off.',
    60, 0, 1_000_000),
  workers: opt.countOrAuto('OAUTH3_WORKERS',
    'Processes serving requests: 1, a number, or auto (one per CPU). More than one forks workers that share the port and the database (SQLite or PostgreSQL) and tell each other revocations at once; rate limits are split between them.',
    1, 1, 64, availableParallelism),
  logLevel: opt.enumOf('OAUTH3_LOG_LEVEL', 'pino log level.', 'info', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const),

  // ── Storage and keys ──────────────────────────────────────────────────────
  dataDir: opt.string('OAUTH3_DATA_DIR', 'Directory for the embedded SQLite database and the generated master key.', './data'),
  databaseUrl: opt.optionalUrl('DATABASE_URL', 'postgres://… switches storage to PostgreSQL (any number of instances may share it).', ['postgres:', 'postgresql:']),
  masterKey: opt.string<string | undefined>('OAUTH3_MASTER_KEY',
    '32-byte master key (base64, base64url or hex) that encrypts signing keys at rest. Required with PostgreSQL; embedded mode generates data/master.key.',
    undefined),
  auditFlushMs: opt.int('OAUTH3_AUDIT_FLUSH_MS', 'Batching interval for high-volume audit events (flushed on shutdown too).', 250, 10, 60_000),

  // ── Authorization server (OAuth 2.1 for MCP) ──────────────────────────────
  oauthCodeTtl: opt.int('OAUTH3_OAUTH_CODE_TTL', 'Authorization code lifetime in seconds (RFC 6749 §4.1.2: short-lived, single use).', 600, 10, 3600),
  oauthAccessTokenTtl: opt.int('OAUTH3_OAUTH_ACCESS_TOKEN_TTL', 'OAuth access token (RFC 9068 JWT) lifetime in seconds.', 3600, 1, 86400),
  oauthRefreshTokenTtl: opt.int('OAUTH3_OAUTH_REFRESH_TOKEN_TTL', 'Refresh token lifetime in seconds (rotated on every use).', 86400, 60, 365 * 86400),
  oauthRefreshGraceSeconds: opt.int('OAUTH3_OAUTH_REFRESH_GRACE',
    'Seconds after a refresh during which reusing the old refresh token returns the same new pair (concurrent refresh) instead of revoking the family; 0 disables.', 10, 0, 300),
  oauthRegistration: opt.enumOf('OAUTH3_OAUTH_REGISTRATION',
    'RFC 7591 dynamic client registration: open (anyone, as MCP clients expect), token (an initial access token is required) or closed.', 'open', ['open', 'token', 'closed'] as const),
  oauthRegistrationToken: opt.string<string | undefined>('OAUTH3_OAUTH_REGISTRATION_TOKEN', 'The initial access token /register requires when OAUTH3_OAUTH_REGISTRATION=token.', undefined),
  oauthCimd: opt.bool('OAUTH3_OAUTH_CIMD', 'Accept Client ID Metadata Documents (an https client_id URL is fetched and validated).', true),
  oauthCimdAllowRanges: opt.list('OAUTH3_OAUTH_CIMD_ALLOW_RANGES',
    'CIDR ranges CIMD fetches may reach although private, loopback or link-local (SSRF protection refuses them by default). Dangerous.', []),
  oauthCimdAllowHttp: opt.bool('OAUTH3_OAUTH_CIMD_ALLOW_HTTP', 'Accept http: client_id URLs (development only; the spec requires https).', false),
  oauthValidScopes: opt.list('OAUTH3_OAUTH_VALID_SCOPES', 'Scopes clients may request; empty means every scope in the registry.', []),
  oauthDefaultScopes: opt.list('OAUTH3_OAUTH_DEFAULT_SCOPES', 'Scopes granted when a request names none; empty means the scopes of the requested resource.', []),
  resources: opt.json<Array<{ url: string; name: string; scopes: Array<string | { name: string; description: string }> }>>('OAUTH3_RESOURCES',
    'Resource servers (RFC 8707) tokens may be issued for besides the gateway itself: [{url, name, scopes}] (external MCP servers).', [],
    (v) => (Array.isArray(v) && v.every((r) => r && typeof r.url === 'string' && typeof r.name === 'string' && Array.isArray(r.scopes))
      ? undefined : 'must be a JSON array of {url, name, scopes}')),

  // ── Tokens and agents ─────────────────────────────────────────────────────
  apiTokenTtlDays: opt.int('OAUTH3_API_TOKEN_TTL_DAYS', 'Default lifetime of a personal API token, in days.', 90, 1, 3650),
  apiTokenAllowNoExpiry: opt.bool('OAUTH3_API_TOKEN_ALLOW_NO_EXPIRY', 'Allow personal API tokens that never expire (dangerous: off by default).', false),
  delegationTtl: opt.int('OAUTH3_DELEGATION_TTL', 'Default lifetime of a delegation token, in seconds.', 3600, 60, 30 * 86400),
  delegationMaxTtl: opt.int('OAUTH3_DELEGATION_MAX_TTL', 'Longest lifetime a person may give a delegation token, in seconds.', 86400, 60, 365 * 86400),
  tokenExchangeMaxDepth: opt.int('OAUTH3_TOKEN_EXCHANGE_MAX_DEPTH', 'How many times a delegated token may be exchanged down a chain of sub-agents (RFC 8693 act nesting).', 3, 0, 10),
  revocationPollMs: opt.int('OAUTH3_REVOCATION_POLL_MS', 'How often revocations are re-read from the database (the fallback to PostgreSQL LISTEN/NOTIFY; the only path on SQLite).', 1000, 50, 600_000),
  verifyCacheSize: opt.int('OAUTH3_VERIFY_CACHE_SIZE', 'Verified tokens kept in memory until they expire (revocation is still checked on every use); 0 disables.', 50_000, 0, 10_000_000),
  tokenUsageFlushMs: opt.int('OAUTH3_TOKEN_USAGE_FLUSH_MS', 'Batching interval for token last-used time and IP writes.', 5000, 10, 600_000),

  // ── Accounts (passkeys, sessions) ─────────────────────────────────────────
  rpName: opt.string('OAUTH3_RP_NAME', 'WebAuthn relying party name shown by authenticators.', 'oauth3'),
  extraOrigins: opt.list('OAUTH3_EXTRA_ORIGINS', 'Additional origins allowed in WebAuthn ceremonies besides the public URL.', []),
  sessionTtl: opt.int('OAUTH3_SESSION_TTL', 'Session JWT lifetime in seconds.', 2 * 3600, 60, 30 * 86400),
  sessionRenewWithin: opt.int('OAUTH3_SESSION_RENEW_WITHIN', 'Renew the session JWT when fewer than this many seconds remain.', 30 * 60, 0, 30 * 86400),
  sessionMaxLifetime: opt.int('OAUTH3_SESSION_MAX_LIFETIME',
    'Absolute session lifetime in seconds, from sign-in: renewal never extends a session past it; then the person signs in again.', 7 * 86400, 300, 365 * 86400),
};

type Schema = typeof schema;
/** The validated configuration. */
export type Config = { [K in keyof Schema]: Schema[K] extends { parse: (raw: unknown) => infer T } ? T : never } & {
  /** Path of the config file read, if any (OAUTH3_CONFIG). */
  configFile?: string;
};
