import type { AppContext } from '../../kernel/index.js';
import { getUser, getUserByEmail } from '../../accounts/index.js';
import { AppError, httpErrors } from '../../errors/index.js';
import { vaultErrors } from '../vault-errors.js';

/** How a server names a person: by user id (preferred: it never changes) or by the email of their profile. */
export interface PersonRef {
  user_id?: string;
  email?: string;
}

/**
 * The user id a server's request names: exactly one of `user_id` and `email` (400 otherwise); 404
 * ERR_VAULT_UNKNOWN_PERSON when no account has it. An email is the one on the person's profile.
 */
export async function resolvePerson(ctx: Pick<AppContext, 'db'>, ref: PersonRef): Promise<string> {
  if (ref.user_id !== undefined && ref.email !== undefined)
    throw new AppError(httpErrors.ERR_VALIDATION, 'Name the person by user_id or by email, not both.');
  if (ref.user_id === undefined && ref.email === undefined)
    throw new AppError(httpErrors.ERR_VALIDATION, 'Name the person: user_id (preferred) or email.');
  const user = ref.user_id !== undefined ? await getUser(ctx.db, ref.user_id) : await getUserByEmail(ctx.db, ref.email!);
  if (!user) throw new AppError(vaultErrors.ERR_VAULT_UNKNOWN_PERSON);
  return user.id;
}

/** A path segment that is an email (it has an @) or else a user id, as `GET /auth/providers/{email}` takes it. */
export const personInPath = (segment: string): PersonRef => (segment.includes('@') ? { email: segment } : { user_id: segment });
