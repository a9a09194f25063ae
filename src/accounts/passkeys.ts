import type { AuthenticatorTransportFuture } from '@simplewebauthn/server';
import type { Executor } from '../store/index.js';
import { AppError, httpErrors } from '../errors/index.js';
import { accountsErrors } from './accounts-errors.js';
import { isId } from './api-schemas.js';
import type { PasskeysTable } from './tables.js';
import './tables.js';

/** A passkey as the passkeys page and API show it (never the public key). */
export interface Passkey {
  id: string;
  name: string;
  aaguid: string;
  /** 'singleDevice' or 'multiDevice' (synced). */
  deviceType: string;
  /** Backed up / synced to a provider account (the BS flag). */
  backedUp: boolean;
  transports: AuthenticatorTransportFuture[];
  createdAt: number;
  lastUsedAt: number | null;
}

export const toPasskey = (r: PasskeysTable): Passkey => ({
  id: r.id,
  name: r.name,
  aaguid: r.aaguid,
  deviceType: r.device_type,
  backedUp: r.backed_up === 1,
  transports: JSON.parse(r.transports),
  createdAt: Number(r.created_at),
  lastUsedAt: r.last_used_at === null ? null : Number(r.last_used_at),
});

/** A person's passkeys, oldest first. */
export async function listPasskeys(db: Executor, userId: string): Promise<Passkey[]> {
  const rows = await db.selectFrom('passkeys').selectAll().where('user_id', '=', userId).orderBy('created_at').orderBy('id').execute();
  return rows.map(toPasskey);
}

/** The stored credential with this id (for verifying an assertion), or undefined. */
export async function findCredential(db: Executor, credentialId: string): Promise<PasskeysTable | undefined> {
  if (!isId(credentialId)) return undefined;
  return db.selectFrom('passkeys').selectAll().where('id', '=', credentialId).executeTakeFirst();
}

export async function insertPasskey(db: Executor, row: PasskeysTable): Promise<void> {
  await db.insertInto('passkeys').values(row).execute();
}

/** Renames one of the person's passkeys; returns the old name. 404 when it is not theirs. */
export async function renamePasskey(db: Executor, userId: string, id: string, name: string): Promise<string> {
  if (!isId(id)) throw new AppError(accountsErrors.ERR_ACCOUNTS_PASSKEY_NOT_FOUND);
  const row = await db.selectFrom('passkeys').select('name').where('id', '=', id).where('user_id', '=', userId).executeTakeFirst();
  if (!row) throw new AppError(accountsErrors.ERR_ACCOUNTS_PASSKEY_NOT_FOUND);
  await db.updateTable('passkeys').set({ name }).where('id', '=', id).where('user_id', '=', userId).execute();
  return row.name;
}

/** Removes one of the person's passkeys, never the last one (409). Call inside a transaction. */
export async function removePasskey(db: Executor, userId: string, id: string): Promise<Passkey> {
  if (!isId(id)) throw new AppError(accountsErrors.ERR_ACCOUNTS_PASSKEY_NOT_FOUND);
  const rows = await db.selectFrom('passkeys').selectAll().where('user_id', '=', userId).execute();
  const row = rows.find((r) => r.id === id);
  if (!row) throw new AppError(accountsErrors.ERR_ACCOUNTS_PASSKEY_NOT_FOUND);
  if (rows.length <= 1) throw new AppError(accountsErrors.ERR_ACCOUNTS_LAST_PASSKEY);
  await db.deleteFrom('passkeys').where('id', '=', id).where('user_id', '=', userId).execute();
  return toPasskey(row);
}

/** Checks and normalises a passkey name typed by a person (1–64 characters, no control characters). */
export function passkeyName(raw: unknown): string {
  const name = typeof raw === 'string' ? raw.normalize('NFC').trim() : '';
  if (!name || name.length > 64 || /[\p{Cc}]/u.test(name)) {
    throw new AppError(httpErrors.ERR_VALIDATION, 'A passkey name is 1 to 64 characters, without control characters.', { field: 'name' });
  }
  return name;
}
