import type { AppContext } from '../kernel/index.js';
import { AppError, httpErrors } from '../errors/index.js';
import { accountsErrors } from './accounts-errors.js';
import { checkWalletAddress } from './wallet-address.js';
import { isUniqueViolation } from './unique-violation.js';
import { getUser, toUser, type User } from './users.js';
import type { RequestMeta } from '../kernel/index.js';

/** Profile fields a person may set; `null` or '' clears one. */
export interface ProfileChanges {
  username?: string | null;
  email?: string | null;
  phone?: string | null;
  wallet?: string | null;
}

export const PROFILE_FIELDS = ['username', 'email', 'phone', 'wallet'] as const;

const invalid = (field: string, message: string) => new AppError(httpErrors.ERR_VALIDATION, message, { field });

/** Validates and normalises one field; returns null for an empty value (cleared). */
export function normaliseField(field: (typeof PROFILE_FIELDS)[number], raw: unknown): string | null {
  if (raw === null || raw === undefined) return null;
  if (typeof raw !== 'string') throw invalid(field, `${field} must be a string.`);
  const v = raw.normalize('NFC').trim();
  if (v === '') return null;
  switch (field) {
    case 'username':
      if (v.length > 64 || /\p{Cc}/u.test(v)) throw invalid(field, 'A username is at most 64 characters, without control characters.');
      return v;
    case 'email':
      if (v.length > 254 || /\p{Cc}/u.test(v) || !/^[^\s@<>()[\]\\,;:"]+@[^\s@<>()[\]\\,;:"]+\.[^\s@<>()[\]\\,;:".]{2,}$/.test(v))
        throw invalid(field, 'The email address is not valid (expected name@example.com).');
      return v.toLowerCase();
    case 'phone': {
      const compact = v.replace(/[\s().-]/g, '');
      if (!/^\+[1-9]\d{6,14}$/.test(compact))
        throw invalid(field, 'A phone number is in E.164 form: + then country code and number, 7 to 15 digits (e.g. +14155550123).');
      return compact;
    }
    case 'wallet': {
      const r = checkWalletAddress(v);
      if (!r.ok) throw invalid(field, r.message);
      return r.address;
    }
  }
}

/** Uniqueness key of a username: case- and width-insensitive. */
export const usernameKey = (u: string) => u.normalize('NFKC').toLowerCase();

/**
 * Applies profile changes (only the fields present), checks uniqueness of username and email, and records
 * `profile.updated` naming the fields that changed, in one transaction. Returns the updated user.
 */
export async function updateProfile(
  ctx: AppContext,
  o: { userId: string; changes: Record<string, unknown>; meta: RequestMeta },
): Promise<User> {
  const next: Record<string, string | null> = {};
  for (const field of PROFILE_FIELDS) if (field in o.changes) next[field] = normaliseField(field, o.changes[field]);
  const unknown = Object.keys(o.changes).filter((k) => !(PROFILE_FIELDS as readonly string[]).includes(k) && k !== '_csrf');
  if (unknown.length) throw new AppError(httpErrors.ERR_VALIDATION, `Unknown profile field: ${unknown.join(', ')}.`, { field: unknown[0] });
  const before = await getUser(ctx.db, o.userId);
  if (!before) throw new AppError(accountsErrors.ERR_ACCOUNTS_NOT_FOUND);
  const changed = Object.keys(next).filter((f) => (before as unknown as Record<string, unknown>)[f] !== next[f]);
  if (changed.length === 0) return before;
  return ctx.db
    .transaction()
    .execute(async (trx) => {
      for (const [field, column] of [
        ['username', 'username_key'],
        ['email', 'email'],
      ] as const) {
        if (!changed.includes(field) || next[field] === null) continue;
        const key = field === 'username' ? usernameKey(next[field]!) : next[field]!;
        const taken = await trx.selectFrom('users').select('id').where(column, '=', key).where('id', '!=', o.userId).executeTakeFirst();
        if (taken)
          throw new AppError(accountsErrors.ERR_ACCOUNTS_PROFILE_TAKEN, `This ${field} is already used by another account.`, { field });
      }
      const set: Record<string, string | number | null> = { updated_at: Date.now() };
      for (const f of changed) set[f] = next[f];
      if (changed.includes('username')) set.username_key = next.username ? usernameKey(next.username) : null;
      await trx.updateTable('users').set(set).where('id', '=', o.userId).execute();
      await ctx.audit.record(trx, {
        action: 'profile.updated',
        actor: { type: 'user', id: o.userId },
        userId: o.userId,
        target: { type: 'user', id: o.userId },
        ...o.meta,
        detail: { fields: changed },
      });
      return toUser(await trx.selectFrom('users').selectAll().where('id', '=', o.userId).executeTakeFirstOrThrow());
    })
    .catch((e: unknown) => {
      if (e instanceof AppError) throw e;
      if (isUniqueViolation(e)) throw new AppError(accountsErrors.ERR_ACCOUNTS_PROFILE_TAKEN);
      throw e;
    });
}
