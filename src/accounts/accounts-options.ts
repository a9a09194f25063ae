import { opt, type OptionSchema, type OptionValues } from '../config/index.js';

/** The accounts' slice of the config: passkeys (WebAuthn) and sessions. */
export const accountsOptions = {
  rpName: opt.string('OAUTH3_RP_NAME', 'WebAuthn relying party name shown by authenticators.', 'oauth3'),
  extraOrigins: opt.list('OAUTH3_EXTRA_ORIGINS', 'Additional origins allowed in WebAuthn ceremonies besides the public URL.', []),
  sessionTtl: opt.int('OAUTH3_SESSION_TTL', 'Session JWT lifetime in seconds.', 2 * 3600, 60, 30 * 86400),
  sessionRenewWithin: opt.int(
    'OAUTH3_SESSION_RENEW_WITHIN',
    'Renew the session JWT when fewer than this many seconds remain.',
    30 * 60,
    0,
    30 * 86400,
  ),
  sessionMaxLifetime: opt.int(
    'OAUTH3_SESSION_MAX_LIFETIME',
    'Absolute session lifetime in seconds, from sign-in: renewal never extends a session past it; then the person signs in again.',
    7 * 86400,
    300,
    365 * 86400,
  ),
} satisfies OptionSchema;

declare module '../config/config.js' {
  interface Config extends OptionValues<typeof accountsOptions> {}
}
