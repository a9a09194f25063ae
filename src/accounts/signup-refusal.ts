import type { AppContext } from '../kernel/index.js';
import type { Executor } from '../store/index.js';
import type { ErrorCode } from '../errors/index.js';
import { accountsErrors } from './accounts-errors.js';
import { inviteIsUsable } from './invites.js';

/**
 * Why a sign-up with this invitation (if any) is refused under OAUTH3_SIGNUP, or undefined when it may go on.
 * open: anyone; invite: a usable invitation; closed: nobody, except the first account with an invitation.
 */
export async function signupRefusal(ctx: AppContext, db: Executor, invite: string | undefined): Promise<ErrorCode | undefined> {
  const mode = ctx.config.signup;
  if (mode === 'open') return undefined;
  if (mode === 'closed' && (await db.selectFrom('users').select('id').limit(1).executeTakeFirst()))
    return accountsErrors.ERR_ACCOUNTS_SIGNUP_CLOSED;
  if (!invite) return accountsErrors.ERR_ACCOUNTS_SIGNUP_INVITE_REQUIRED;
  return (await inviteIsUsable(db, invite)) ? undefined : accountsErrors.ERR_ACCOUNTS_SIGNUP_INVITE_INVALID;
}
