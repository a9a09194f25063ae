import type { Executor } from '../store/index.js';
import type { WebauthnChallengesTable } from './tables.js';
import { isId } from './api-schemas.js';
import './tables.js';

/** How long a WebAuthn challenge may be answered. */
export const CHALLENGE_TTL_MS = 5 * 60 * 1000;

export type ChallengePurpose = 'signup' | 'signin' | 'add-passkey';

/** Stores a challenge server-side (and drops expired ones). */
export async function storeChallenge(
  db: Executor,
  o: { challenge: string; purpose: ChallengePurpose; userId?: string; webauthnUserId?: string },
): Promise<void> {
  const now = Date.now();
  await db.deleteFrom('webauthn_challenges').where('expires_at', '<', now).execute();
  await db
    .insertInto('webauthn_challenges')
    .values({
      challenge: o.challenge,
      purpose: o.purpose,
      user_id: o.userId ?? null,
      webauthn_user_id: o.webauthnUserId ?? null,
      created_at: now,
      expires_at: now + CHALLENGE_TTL_MS,
    })
    .execute();
}

/**
 * Takes a challenge out of the store: single use (deleted whether or not the answer then verifies). Undefined when
 * it was never issued, already used, expired, or issued for another purpose.
 */
export async function consumeChallenge(
  db: Executor,
  challenge: string,
  purpose: ChallengePurpose,
): Promise<WebauthnChallengesTable | undefined> {
  const row = await db.deleteFrom('webauthn_challenges').where('challenge', '=', challenge).returningAll().executeTakeFirst();
  if (!row || row.purpose !== purpose || Number(row.expires_at) <= Date.now()) return undefined;
  return row;
}

/** The challenge a WebAuthn response answers (from its clientDataJSON), or undefined when unreadable. */
export function challengeOf(response: unknown): string | undefined {
  try {
    const clientData = (response as { response?: { clientDataJSON?: unknown } }).response?.clientDataJSON;
    if (typeof clientData !== 'string' || clientData.length > 4096) return undefined;
    const parsed = JSON.parse(Buffer.from(clientData, 'base64url').toString('utf8'));
    return isId(parsed.challenge, 256) ? parsed.challenge : undefined;
  } catch {
    return undefined;
  }
}
