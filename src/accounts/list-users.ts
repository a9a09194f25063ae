import type { Executor } from '../store/index.js';
import './tables.js';

/** One account as an operator sees it (`oauth3 users list`). */
export interface UserSummary {
  id: string;
  username: string | null;
  email: string | null;
  createdAt: number;
  passkeys: number;
  /** When it last started a session (sign-in or sign-up), or last used a passkey; null if never. */
  lastSignInAt: number | null;
}

const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

/** Every account, oldest first, with its passkey count and last sign-in. */
export async function listUsers(db: Executor): Promise<UserSummary[]> {
  const rows = await db
    .selectFrom('users as u')
    .select((eb) => [
      'u.id',
      'u.username',
      'u.email',
      'u.created_at',
      eb.selectFrom('passkeys as p').select(eb.fn.countAll().as('n')).whereRef('p.user_id', '=', 'u.id').as('passkeys'),
      eb
        .selectFrom('passkeys as p')
        .select((e) => e.fn.max('p.last_used_at').as('m'))
        .whereRef('p.user_id', '=', 'u.id')
        .as('passkey_used'),
      eb
        .selectFrom('sessions as s')
        .select((e) => e.fn.max('s.created_at').as('m'))
        .whereRef('s.user_id', '=', 'u.id')
        .as('session_started'),
    ])
    .orderBy('u.created_at')
    .orderBy('u.id')
    .execute();
  return rows.map((r) => {
    const times = [num(r.passkey_used), num(r.session_started)].filter((t): t is number => t !== null);
    return {
      id: r.id,
      username: r.username,
      email: r.email,
      createdAt: Number(r.created_at),
      passkeys: Number(r.passkeys ?? 0),
      lastSignInAt: times.length ? Math.max(...times) : null,
    };
  });
}
