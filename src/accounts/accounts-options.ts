import { opt, type OptionSchema, type OptionValues } from '../config/index.js';

/** True for a URL whose host is this machine (localhost, 127.0.0.0/8, ::1): nobody else can reach it. */
export function isLoopbackUrl(url: string): boolean {
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  return host === 'localhost' || host.endsWith('.localhost') || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

const SIGNUP_MODES = ['open', 'invite', 'closed'] as const;

/** The accounts' slice of the config: who may sign up, passkeys (WebAuthn) and sessions. */
export const accountsOptions = {
  signup: {
    ...opt.enumOf(
      'OAUTH3_SIGNUP',
      'Who may create an account: open (anyone who reaches the gateway), invite (a link from `oauth3 invite`), closed (nobody; the first account still can, with an invite). Default: open when the public URL is loopback, invite otherwise, so a stranger cannot claim a public gateway.',
      'invite',
      SIGNUP_MODES,
    ),
    default: (c: Record<string, unknown>) => (typeof c.publicUrl === 'string' && isLoopbackUrl(c.publicUrl) ? 'open' : 'invite'),
  },
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
