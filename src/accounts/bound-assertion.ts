import {
  generateAuthenticationOptions,
  verifyAuthenticationResponse,
  type AuthenticationResponseJSON,
  type PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/server';
import type { AppContext } from '../kernel/index.js';
import { relyingParty } from './relying-party.js';
import { challengeOf } from './challenges.js';
import { findCredential } from './passkeys.js';

/**
 * Options for an assertion by one person's passkeys over a challenge the caller derives (base64url of its bytes,
 * e.g. a digest binding what is approved): another domain's "confirm this with a passkey" (a proxy approval).
 */
export async function boundAssertionOptions(
  ctx: AppContext,
  userId: string,
  challenge: string,
): Promise<PublicKeyCredentialRequestOptionsJSON> {
  const rp = relyingParty(ctx.config);
  const keys = await ctx.db.selectFrom('passkeys').select(['id', 'transports']).where('user_id', '=', userId).execute();
  return generateAuthenticationOptions({
    rpID: rp.rpID,
    userVerification: 'required',
    challenge: new Uint8Array(Buffer.from(challenge, 'base64url')),
    allowCredentials: keys.map((k) => ({ id: k.id, transports: JSON.parse(k.transports) })),
  });
}

/**
 * Whether `response` is an assertion over exactly `challenge` by a passkey of `userId` (origin, RP ID, user
 * verification, signature, a growing counter); stores the new counter and last use when it is. Never throws for a
 * bad response: false.
 */
export async function verifyBoundAssertion(
  ctx: AppContext,
  o: { userId: string; challenge: string; response: AuthenticationResponseJSON },
): Promise<boolean> {
  if (challengeOf(o.response) !== o.challenge) return false;
  const credential = await findCredential(ctx.db, typeof o.response?.id === 'string' ? o.response.id : '');
  if (!credential || credential.user_id !== o.userId) return false;
  const rp = relyingParty(ctx.config);
  try {
    const v = await verifyAuthenticationResponse({
      response: o.response,
      expectedChallenge: o.challenge,
      expectedOrigin: rp.origins,
      expectedRPID: rp.rpID,
      requireUserVerification: true,
      credential: {
        id: credential.id,
        publicKey: new Uint8Array(Buffer.from(credential.public_key, 'base64url')),
        counter: Number(credential.counter),
        transports: JSON.parse(credential.transports),
      },
    });
    if (!v.verified) return false;
    await ctx.db
      .updateTable('passkeys')
      .set({ counter: v.authenticationInfo.newCounter, last_used_at: Date.now() })
      .where('id', '=', credential.id)
      .execute();
    return true;
  } catch {
    return false;
  }
}
