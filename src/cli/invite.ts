import type { Command } from 'commander';
import { inviteToSignUp } from '../accounts/index.js';
import { withContext } from './with-context.js';

const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** Parses `30m`, `12h` or `7d` (at most 90 days) into milliseconds, or throws saying what is wrong. */
export function parseExpiry(raw: string): number {
  const m = /^(\d{1,5})([mhd])$/.exec(raw.trim());
  const ms = m ? Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS] : NaN;
  if (!(ms > 0 && ms <= 90 * UNIT_MS.d)) throw new Error(`--expires: "${raw}" is not a duration like 30m, 12h or 7d (at most 90d)`);
  return ms;
}

/** `oauth3 invite [--expires 7d]`: prints a single-use sign-up link (OAUTH3_SIGNUP=invite, or the first account when closed). */
export function inviteCommand(program: Command): void {
  program
    .command('invite')
    .description('print a single-use sign-up link (needed when OAUTH3_SIGNUP is invite, or for the first account when closed)')
    .option('--expires <duration>', 'how long the link stays valid: 30m, 12h, 7d… (at most 90d)', '7d')
    .action((o: { expires: string }) => {
      const ttlMs = parseExpiry(o.expires);
      return withContext(async (ctx) => {
        const { link, expiresAt } = await inviteToSignUp(ctx, { ttlMs });
        if (ctx.config.signup === 'open') process.stderr.write('note: OAUTH3_SIGNUP=open: anyone can sign up without an invitation\n');
        process.stderr.write(`valid once, until ${new Date(expiresAt).toISOString()}\n`);
        process.stdout.write(`${link}\n`);
      });
    });
}
