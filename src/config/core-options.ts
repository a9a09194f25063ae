import { availableParallelism } from 'node:os';
import { opt, type OptionSchema } from './option.js';

/**
 * The gateway's own options: the server and storage. Each module declares its own slice beside its code (its
 * manifest's `options`); together they are the one schema. Every option: env name, what it does and why,
 * default. Dangerous features are off by default.
 */
export const coreOptions = {
  // ── Server ────────────────────────────────────────────────────────────────
  port: opt.int('OAUTH3_PORT', 'TCP port to listen on.', 8000, 0, 65535),
  host: opt.string('OAUTH3_HOST', 'Interface to bind; 0.0.0.0 listens on every interface (default: loopback only).', '127.0.0.1'),
  publicUrl: opt.url(
    'OAUTH3_PUBLIC_URL',
    'Public base URL: the OAuth issuer (RFC 8414), the WebAuthn origin and RP ID, and the redirect base.',
    (c) => `http://localhost:${c.port}`,
  ),
  trustProxy: opt.bool('OAUTH3_TRUST_PROXY', 'Trust X-Forwarded-* headers (only behind a reverse proxy you control).', false),
  bodyLimit: opt.int(
    'OAUTH3_BODY_LIMIT',
    'Largest request body accepted, in bytes; larger bodies get 413.',
    1024 * 1024,
    1024,
    64 * 1024 * 1024,
  ),
  shutdownTimeoutMs: opt.int('OAUTH3_SHUTDOWN_TIMEOUT_MS', 'How long graceful shutdown waits for in-flight requests.', 10_000, 0, 600_000),
  rateLimitAuth: opt.int(
    'OAUTH3_RATE_LIMIT_AUTH',
    'Requests one IP may make to each of the unauthenticated endpoints that guess or create (passkey sign-in and sign-up, dynamic client registration) within OAUTH3_RATE_LIMIT_AUTH_WINDOW; 429 with Retry-After beyond. Counted on the database: every instance and worker on one database shares the count. 0 turns it off.',
    60,
    0,
    1_000_000,
  ),
  rateLimitAuthWindow: opt.int(
    'OAUTH3_RATE_LIMIT_AUTH_WINDOW',
    'Seconds over which OAUTH3_RATE_LIMIT_AUTH counts; a window starts at an IP’s first request to the endpoint.',
    60,
    1,
    86400,
  ),
  metricsToken: opt.string<string | undefined>(
    'OAUTH3_METRICS_TOKEN',
    'When set, /metrics and /oauth/stats need `Authorization: Bearer <this token>` (compared in constant time); 401 without it. Unset, both are open: the default host is loopback only. Set it before binding OAUTH3_HOST=0.0.0.0 or publishing the port.',
    undefined,
  ),
  workers: opt.countOrAuto(
    'OAUTH3_WORKERS',
    'Processes serving requests: 1, a number, or auto (one per CPU). More than one forks workers that share the port and the database (SQLite or PostgreSQL) and tell each other revocations at once; the rate limits of sign-in, registration and failed client authentication are counted on the database, shared by all.',
    1,
    1,
    64,
    availableParallelism,
  ),
  logLevel: opt.enumOf('OAUTH3_LOG_LEVEL', 'pino log level.', 'info', [
    'fatal',
    'error',
    'warn',
    'info',
    'debug',
    'trace',
    'silent',
  ] as const),

  // ── Storage and keys ──────────────────────────────────────────────────────
  dataDir: opt.string('OAUTH3_DATA_DIR', 'Directory for the embedded SQLite database and the generated master key.', './data'),
  databaseUrl: opt.optionalUrl('DATABASE_URL', 'postgres://… switches storage to PostgreSQL (any number of instances may share it).', [
    'postgres:',
    'postgresql:',
  ]),
  databasePoolMax: opt.int(
    'OAUTH3_DATABASE_POOL_MAX',
    'PostgreSQL connections each gateway process (each worker) may hold for queries, besides its one LISTEN connection. Instances × workers × (this + 1) must stay under the server’s max_connections (or go through PgBouncer: docs/scaling.md).',
    10,
    1,
    1000,
  ),
  sqliteCacheMb: opt.int(
    'OAUTH3_SQLITE_CACHE_MB',
    'MiB of database pages SQLite keeps in the process (its page cache; embedded mode only). It fills as the store grows, up to this, and is resident memory; pages past it are read from the operating system’s file cache (memory, not disk). Measured (bench/README.md): refresh with 1,000,000 tokens stored at 1.03x the rate with 10,000 at 16 MiB, no faster at 64 MiB, which held about 60 MB more resident memory under the memory bench.',
    16,
    2,
    4096,
  ),
  databaseListenUrl: opt.optionalUrl(
    'OAUTH3_DATABASE_LISTEN_URL',
    'postgres://… for the one connection that LISTENs for other instances’ revocations, when DATABASE_URL goes through a transaction-pooling PgBouncer (LISTEN needs a session: point this at PostgreSQL itself). Default: DATABASE_URL.',
    ['postgres:', 'postgresql:'],
  ),
  masterKey: opt.string<string | undefined>(
    'OAUTH3_MASTER_KEY',
    '32-byte master key (base64, base64url or hex) that encrypts the signing keys and the vault data keys at rest. Required with PostgreSQL; embedded mode generates data/master.key.',
    undefined,
  ),
  masterKeyPrevious: opt.string<string | undefined>(
    'OAUTH3_MASTER_KEY_PREVIOUS',
    'The master key being replaced, during a master-key rotation: keys sealed under it still open, new ones are sealed under OAUTH3_MASTER_KEY; `oauth3 master-key rewrap` re-seals everything, then remove this.',
    undefined,
  ),
  auditFlushMs: opt.int(
    'OAUTH3_AUDIT_FLUSH_MS',
    'Batching interval for high-volume audit events (flushed on shutdown too).',
    250,
    10,
    60_000,
  ),

  modules: opt.list(
    'OAUTH3_MODULES',
    'Extra gateway modules to load (paths of ES modules, or package names, whose default export is a GatewayModule): their scopes, routes, options, migrations, audit events and error codes join the built-in ones.',
    [],
  ),
  fastLanes: opt.bool(
    'OAUTH3_FAST_LANES',
    'Answer plain form POSTs of the token and introspection endpoints straight from the HTTP server (faster). Turned off by itself when a module other than the built-ins adds a request hook, so that no hook is ever skipped.',
    true,
  ),
} satisfies OptionSchema;
