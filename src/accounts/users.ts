import type { Executor } from '../store/index.js';
import { randomId, randomToken } from '../crypto/index.js';
import type { UsersTable } from './tables.js';
import './tables.js';

/** A person's account as other domains see it. */
export interface User {
  id: string;
  username: string | null;
  email: string | null;
  phone: string | null;
  wallet: string | null;
  createdAt: number;
  updatedAt: number;
}

export const toUser = (r: UsersTable): User => ({
  id: r.id,
  username: r.username,
  email: r.email,
  phone: r.phone,
  wallet: r.wallet,
  createdAt: Number(r.created_at),
  updatedAt: Number(r.updated_at),
});

/** A new user id and WebAuthn user handle, allocated before the account row exists (sign-up ceremony). */
export function newUserIdentity(): { userId: string; webauthnUserId: string } {
  return { userId: randomId('usr_'), webauthnUserId: randomToken(32) };
}

/** Creates an empty account (write with the transaction that also stores its first passkey). */
export async function createUser(db: Executor, o: Partial<{ userId: string; webauthnUserId: string }> = {}): Promise<User> {
  const ids = newUserIdentity();
  const now = Date.now();
  const row: UsersTable = {
    id: o.userId ?? ids.userId,
    webauthn_user_id: o.webauthnUserId ?? ids.webauthnUserId,
    username: null,
    username_key: null,
    email: null,
    phone: null,
    wallet: null,
    created_at: now,
    updated_at: now,
  };
  await db.insertInto('users').values(row).execute();
  return toUser(row);
}

/** The account with this id, or undefined. */
export async function getUser(db: Executor, userId: string): Promise<User | undefined> {
  const row = await db.selectFrom('users').selectAll().where('id', '=', userId).executeTakeFirst();
  return row ? toUser(row) : undefined;
}

/**
 * The account whose profile email is `email` (compared as the profile stores it: trimmed, lower-cased), or
 * undefined. Emails are unique across accounts; an account without one is never found this way.
 */
export async function getUserByEmail(db: Executor, email: string): Promise<User | undefined> {
  const key = email.normalize('NFC').trim().toLowerCase();
  if (!key) return undefined;
  const row = await db.selectFrom('users').selectAll().where('email', '=', key).executeTakeFirst();
  return row ? toUser(row) : undefined;
}

/** The WebAuthn user handle of an account. */
export async function webauthnUserIdOf(db: Executor, userId: string): Promise<string | undefined> {
  const row = await db.selectFrom('users').select('webauthn_user_id').where('id', '=', userId).executeTakeFirst();
  return row?.webauthn_user_id;
}
