import { opt, type OptionSchema, type OptionValues } from '../config/index.js';

/** The tokens' slice of the config: personal API tokens and the verifier. */
export const tokensOptions = {
  apiTokenTtlDays: opt.int('OAUTH3_API_TOKEN_TTL_DAYS', 'Default lifetime of a personal API token, in days.', 90, 1, 3650),
  apiTokenAllowNoExpiry: opt.bool(
    'OAUTH3_API_TOKEN_ALLOW_NO_EXPIRY',
    'Allow personal API tokens that never expire (dangerous: off by default).',
    false,
  ),
  revocationPollMs: opt.int(
    'OAUTH3_REVOCATION_POLL_MS',
    'How often revocations are re-read from the database (the fallback to PostgreSQL LISTEN/NOTIFY; the only path on SQLite).',
    1000,
    50,
    600_000,
  ),
  keysPollMs: opt.int(
    'OAUTH3_KEYS_POLL_MS',
    'How often the signing keys are re-read from the database, so that `oauth3 keys rotate` and `keys retire` reach running gateways.',
    2000,
    50,
    600_000,
  ),
  verifyCacheSize: opt.int(
    'OAUTH3_VERIFY_CACHE_SIZE',
    'Verified tokens kept in memory until they expire (revocation is still checked on every use); 0 disables.',
    50_000,
    0,
    10_000_000,
  ),
  tokenUsageFlushMs: opt.int('OAUTH3_TOKEN_USAGE_FLUSH_MS', 'Batching interval for token last-used time and IP writes.', 5000, 10, 600_000),
} satisfies OptionSchema;

declare module '../config/config.js' {
  interface Config extends OptionValues<typeof tokensOptions> {}
}
