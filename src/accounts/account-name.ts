import type { Executor } from '../store/index.js';
import type { AccountSession } from './request-context.js';
import './tables.js';

/** How a page names the signed-in person: their username (else email), else the passkey this session signed in with. */
export interface AccountName {
  /** Username, else email; undefined when the account has neither. */
  name?: string;
  /** The name of the passkey whose ceremony opened this session, for an account without a name. */
  passkey?: string;
}

/**
 * Names the person of `session` for a page that must say who is acting (consent's "Signed in as …"): never the
 * raw user id. An account with neither username nor email is named by the passkey it signed in with.
 */
export async function accountName(db: Executor, session: Pick<AccountSession, 'id' | 'userId'>): Promise<AccountName> {
  const row = await db
    .selectFrom('users')
    .leftJoin('sessions', (j) => j.onRef('sessions.user_id', '=', 'users.id').on('sessions.id', '=', session.id))
    .leftJoin('passkeys', 'passkeys.id', 'sessions.passkey_id')
    .select(['users.username', 'users.email', 'passkeys.name as passkey'])
    .where('users.id', '=', session.userId)
    .executeTakeFirst();
  const name = row?.username ?? row?.email ?? undefined;
  if (name) return { name };
  return row?.passkey ? { passkey: row.passkey } : {};
}
