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
  logLevel: opt.enumOf('OAUTH3_LOG_LEVEL', 'pino log level.', 'info', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const),

  // ── Storage and keys ──────────────────────────────────────────────────────
  dataDir: opt.string('OAUTH3_DATA_DIR', 'Directory for the embedded SQLite database and the generated master key.', './data'),
  databaseUrl: opt.optionalUrl('DATABASE_URL', 'postgres://… switches storage to PostgreSQL (any number of instances may share it).', ['postgres:', 'postgresql:']),
  masterKey: opt.string<string | undefined>('OAUTH3_MASTER_KEY',
    '32-byte master key (base64, base64url or hex) that encrypts signing keys at rest. Required with PostgreSQL; embedded mode generates data/master.key.',
    undefined),
  auditFlushMs: opt.int('OAUTH3_AUDIT_FLUSH_MS', 'Batching interval for high-volume audit events (flushed on shutdown too).', 250, 10, 60_000),

  // ── Accounts (passkeys, sessions) ─────────────────────────────────────────
  rpName: opt.string('OAUTH3_RP_NAME', 'WebAuthn relying party name shown by authenticators.', 'oauth3'),
  extraOrigins: opt.list('OAUTH3_EXTRA_ORIGINS', 'Additional origins allowed in WebAuthn ceremonies besides the public URL.', []),
  sessionTtl: opt.int('OAUTH3_SESSION_TTL', 'Session JWT lifetime in seconds.', 2 * 3600, 60, 30 * 86400),
  sessionRenewWithin: opt.int('OAUTH3_SESSION_RENEW_WITHIN', 'Renew the session JWT when fewer than this many seconds remain.', 30 * 60, 0, 30 * 86400),
};

type Schema = typeof schema;
/** The validated configuration. */
export type Config = { [K in keyof Schema]: Schema[K] extends { parse: (raw: unknown) => infer T } ? T : never } & {
  /** Path of the config file read, if any (OAUTH3_CONFIG). */
  configFile?: string;
};
