import type { AppContext } from '../kernel/index.js';
import { AppError } from '../errors/index.js';
import { accountsErrors } from './accounts-errors.js';
import { createInvite, INVITE_PARAM } from './invites.js';

/**
 * Makes a single-use sign-up link valid for `ttlMs` (`oauth3 invite`), audited as `account.invite.created` in the
 * same transaction. With OAUTH3_SIGNUP=closed it is refused once an account exists (invitations then only make
 * the first account). The link holds the token: it is shown once and never stored.
 */
export async function inviteToSignUp(ctx: AppContext, o: { ttlMs: number }): Promise<{ link: string; expiresAt: number }> {
  return ctx.db.transaction().execute(async (trx) => {
    if (ctx.config.signup === 'closed' && (await trx.selectFrom('users').select('id').limit(1).executeTakeFirst()))
      throw new AppError(
        accountsErrors.ERR_ACCOUNTS_SIGNUP_CLOSED,
        'Sign-up is closed and an account exists: an invitation only makes the first account (set OAUTH3_SIGNUP=invite to invite more).',
      );
    const { token, expiresAt } = await createInvite(trx, o);
    await ctx.audit.record(trx, { action: 'account.invite.created', actor: { type: 'system' }, detail: { expiresAt } });
    return { link: `${ctx.config.publicUrl}/signup?${INVITE_PARAM}=${token}`, expiresAt };
  });
}
