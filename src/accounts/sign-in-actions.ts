import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
import type { AppContext } from '../kernel/index.js';
import { AppError } from '../errors/index.js';
import { auditRegistrationFailure, verifyRegistration } from './registration.js';
import { SignInRefused, verifyAuthentication } from './authentication.js';
import { insertPasskey } from './passkeys.js';
import { alreadyRegistered } from './passkey-actions.js';
import { createUser } from './users.js';
import { createSession, type IssuedSession } from './sessions.js';
import type { RequestMeta } from '../kernel/index.js';
import { accountsErrors } from './accounts-errors.js';
import { signupRefusal } from './signup-refusal.js';
import { consumeInvite } from './invites.js';

/**
 * Sign-up: verifies the new discoverable passkey, then creates the account, stores the passkey and starts a
 * session in one transaction with `account.signed_up`, `passkey.added` and `session.created`. Unless
 * OAUTH3_SIGNUP is open, the same transaction spends the `invite`, so only a sign-up that succeeds uses it up.
 */
export async function signUp(
  ctx: AppContext,
  o: { response: RegistrationResponseJSON; meta: RequestMeta; invite?: string },
): Promise<IssuedSession & { userId: string }> {
  let verified;
  try {
    verified = await verifyRegistration(ctx, { response: o.response });
  } catch (e) {
    if (e instanceof AppError) auditRegistrationFailure(ctx, { meta: o.meta, reason: e.message });
    throw e;
  }
  const { userId, webauthnUserId, row } = verified;
  const session = await ctx.db.transaction().execute(async (trx) => {
    let refused = await signupRefusal(ctx, trx, o.invite);
    // Spent here: of two sign-ups racing with one invite, the second finds it used and is refused.
    if (!refused && ctx.config.signup !== 'open' && !(await consumeInvite(trx, o.invite!, userId)))
      refused = accountsErrors.ERR_ACCOUNTS_SIGNUP_INVITE_INVALID;
    if (refused) {
      const error = new AppError(refused);
      auditRegistrationFailure(ctx, { meta: o.meta, reason: error.message });
      throw error;
    }
    await createUser(trx, { userId, webauthnUserId });
    await insertPasskey(trx, row).catch(alreadyRegistered);
    const actor = { type: 'user' as const, id: userId };
    await ctx.audit.record(trx, { action: 'account.signed_up', actor, userId, target: { type: 'user', id: userId }, ...o.meta });
    await ctx.audit.record(trx, {
      action: 'passkey.added',
      actor,
      userId,
      target: { type: 'passkey', id: row.id },
      ...o.meta,
      detail: { name: row.name, aaguid: row.aaguid, backedUp: row.backed_up === 1 },
    });
    return createSession(ctx, trx, { userId, meta: o.meta, via: 'sign-up', passkeyId: row.id });
  });
  return { ...session, userId };
}

/**
 * Sign-in with a discoverable passkey: verifies the assertion, stores the new counter, last use and backup flag,
 * and starts a session with `account.signed_in` and `session.created` in one transaction. A refusal is audited
 * (in the person's log when the passkey is known) and thrown as its AppError.
 */
export async function signIn(
  ctx: AppContext,
  o: { response: AuthenticationResponseJSON; meta: RequestMeta },
): Promise<IssuedSession & { userId: string }> {
  let verified;
  try {
    verified = await verifyAuthentication(ctx, o.response);
  } catch (e) {
    if (!(e instanceof SignInRefused)) throw e;
    ctx.audit.enqueue({
      action: 'account.signed_in',
      result: 'failure',
      actor: { type: e.userId ? 'user' : 'anonymous', id: e.userId },
      userId: e.userId,
      target: e.passkeyId ? { type: 'passkey', id: e.passkeyId } : undefined,
      ...o.meta,
      detail: { reason: e.error.message, error: e.error.code },
    });
    throw e.error;
  }
  const { userId, passkeyId } = verified;
  const session = await ctx.db.transaction().execute(async (trx) => {
    await trx
      .updateTable('passkeys')
      .set({ counter: verified.newCounter, last_used_at: Date.now(), backed_up: verified.backedUp ? 1 : 0 })
      .where('id', '=', passkeyId)
      .execute();
    await ctx.audit.record(trx, {
      action: 'account.signed_in',
      actor: { type: 'user', id: userId },
      userId,
      target: { type: 'passkey', id: passkeyId },
      ...o.meta,
    });
    return createSession(ctx, trx, { userId, meta: o.meta, via: 'passkey', passkeyId });
  });
  return { ...session, userId };
}
