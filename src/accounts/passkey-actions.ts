import type { RegistrationResponseJSON } from '@simplewebauthn/server';
import { sql } from 'kysely';
import type { AppContext } from '../kernel/index.js';
import { AppError } from '../errors/index.js';
import { accountsErrors } from './accounts-errors.js';
import { isUniqueViolation } from './unique-violation.js';
import { auditRegistrationFailure, verifyRegistration } from './registration.js';
import { insertPasskey, passkeyName, removePasskey, renamePasskey, toPasskey, type Passkey } from './passkeys.js';
import type { RequestMeta } from '../kernel/index.js';
import { revokeSessionsIn } from './sessions.js';

/** A credential id stored meanwhile by a concurrent ceremony: a clear 409, not a 500. */
export function alreadyRegistered(e: unknown): never {
  if (isUniqueViolation(e)) throw new AppError(accountsErrors.ERR_ACCOUNTS_PASSKEY_EXISTS);
  throw e;
}

/** The passkey operations of a signed-in person, each with its audit event in the same transaction (API and pages share them). */

/** Verifies and stores a new passkey for `userId`; records `passkey.added` (refusals are audited too). */
export async function addPasskey(
  ctx: AppContext,
  o: { userId: string; response: RegistrationResponseJSON; name?: string; meta: RequestMeta },
): Promise<Passkey> {
  let verified;
  try {
    verified = await verifyRegistration(ctx, { response: o.response, userId: o.userId, name: o.name });
  } catch (e) {
    if (e instanceof AppError) auditRegistrationFailure(ctx, { userId: o.userId, meta: o.meta, reason: e.message });
    throw e;
  }
  await ctx.db.transaction().execute(async (trx) => {
    await insertPasskey(trx, verified.row).catch(alreadyRegistered);
    await ctx.audit.record(trx, {
      action: 'passkey.added',
      actor: { type: 'user', id: o.userId },
      userId: o.userId,
      target: { type: 'passkey', id: verified.row.id },
      ...o.meta,
      detail: { name: verified.row.name, aaguid: verified.row.aaguid, backedUp: verified.row.backed_up === 1 },
    });
  });
  return toPasskey(verified.row);
}

/** Renames a passkey; records `passkey.renamed` with the old and new names. */
export async function renamePasskeyAction(
  ctx: AppContext,
  o: { userId: string; passkeyId: string; name: unknown; meta: RequestMeta },
): Promise<void> {
  const name = passkeyName(o.name);
  await ctx.db.transaction().execute(async (trx) => {
    const from = await renamePasskey(trx, o.userId, o.passkeyId, name);
    await ctx.audit.record(trx, {
      action: 'passkey.renamed',
      actor: { type: 'user', id: o.userId },
      userId: o.userId,
      target: { type: 'passkey', id: o.passkeyId },
      ...o.meta,
      detail: { from, to: name },
    });
  });
}

/**
 * Removes a passkey (never the last: ERR_LAST_PASSKEY) and ends the sessions it opened, except `currentSessionId`
 * (the one removing it), in one transaction; records `passkey.removed` with how many sessions ended.
 */
export async function removePasskeyAction(
  ctx: AppContext,
  o: { userId: string; passkeyId: string; currentSessionId?: string; meta: RequestMeta },
): Promise<void> {
  await ctx.db.transaction().execute(async (trx) => {
    // PostgreSQL: lock the account row so two concurrent removals cannot both see "not the last one"
    // (SQLite transactions are serialised already).
    if (ctx.dialect === 'postgres') await sql`select id from users where id = ${o.userId} for update`.execute(trx);
    const removed = await removePasskey(trx, o.userId, o.passkeyId);
    const ended = await revokeSessionsIn(ctx, trx, {
      userId: o.userId,
      ids: { passkeyId: o.passkeyId },
      keep: o.currentSessionId,
      reason: 'passkey removed',
      meta: o.meta,
    });
    await ctx.audit.record(trx, {
      action: 'passkey.removed',
      actor: { type: 'user', id: o.userId },
      userId: o.userId,
      target: { type: 'passkey', id: o.passkeyId },
      ...o.meta,
      detail: { name: removed.name, endedSessions: ended.length },
    });
  });
}
