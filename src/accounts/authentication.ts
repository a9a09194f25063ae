import {
  generateAuthenticationOptions,
  verifyAuthenticationResponse,
  type AuthenticationResponseJSON,
  type PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/server';
import type { AppContext } from '../kernel/index.js';
import { AppError, type ErrorCode } from '../errors/index.js';
import { accountsErrors } from './accounts-errors.js';
import { relyingParty } from './relying-party.js';
import { challengeOf, consumeChallenge, storeChallenge } from './challenges.js';
import { findCredential } from './passkeys.js';

/** Options for a discoverable sign-in (empty allowCredentials: the authenticator offers its passkeys). */
export async function authenticationOptions(ctx: AppContext): Promise<PublicKeyCredentialRequestOptionsJSON> {
  const rp = relyingParty(ctx.config);
  const options = await generateAuthenticationOptions({ rpID: rp.rpID, userVerification: 'required', allowCredentials: [] });
  await storeChallenge(ctx.db, { challenge: options.challenge, purpose: 'signin' });
  return options;
}

/** A verified assertion: who signed in, with which passkey, and the values to store. */
export interface VerifiedAuthentication {
  userId: string;
  passkeyId: string;
  newCounter: number;
  backedUp: boolean;
}

/** A refused sign-in: the error for the client plus, when the passkey is known, whose log records it. */
export class SignInRefused extends Error {
  constructor(
    readonly error: AppError,
    readonly userId: string | null,
    readonly passkeyId: string | null,
  ) {
    super(error.message);
  }
}

/**
 * Verifies an assertion: the challenge (single use, 5 min, consumed before verifying), the credential (must be
 * registered), the user handle (must be its account's), origin, RP ID, signature and signature counter (a
 * counter that does not grow is refused as a possible cloned authenticator). Throws SignInRefused.
 */
export async function verifyAuthentication(ctx: AppContext, response: AuthenticationResponseJSON): Promise<VerifiedAuthentication> {
  const challenge = challengeOf(response);
  const stored = challenge ? await consumeChallenge(ctx.db, challenge, 'signin') : undefined;
  const credential = await findCredential(ctx.db, typeof response?.id === 'string' ? response.id : '');
  const userId = credential?.user_id ?? null;
  const refuse = (code: ErrorCode, message?: string) => new SignInRefused(new AppError(code, message), userId, credential?.id ?? null);
  if (!stored) throw refuse(accountsErrors.ERR_ACCOUNTS_WEBAUTHN_CHALLENGE);
  if (!credential) throw refuse(accountsErrors.ERR_ACCOUNTS_PASSKEY_UNKNOWN);
  const handle = response.response?.userHandle;
  if (handle) {
    const owner = await ctx.db.selectFrom('users').select('webauthn_user_id').where('id', '=', credential.user_id).executeTakeFirst();
    if (owner?.webauthn_user_id !== handle)
      throw refuse(accountsErrors.ERR_ACCOUNTS_WEBAUTHN_FAILED, 'The passkey answered for another account.');
  }
  const rp = relyingParty(ctx.config);
  let verification;
  try {
    verification = await verifyAuthenticationResponse({
      response,
      expectedChallenge: stored.challenge,
      expectedOrigin: rp.origins,
      expectedRPID: rp.rpID,
      // The passkey is the account's only factor: possession alone (a stolen security key) must not be enough.
      requireUserVerification: true,
      credential: {
        id: credential.id,
        publicKey: new Uint8Array(Buffer.from(credential.public_key, 'base64url')),
        counter: Number(credential.counter),
        transports: JSON.parse(credential.transports),
      },
    });
  } catch (e) {
    throw refuse(accountsErrors.ERR_ACCOUNTS_WEBAUTHN_FAILED, `The passkey could not be verified: ${(e as Error).message}`);
  }
  if (!verification.verified) throw refuse(accountsErrors.ERR_ACCOUNTS_WEBAUTHN_FAILED);
  const info = verification.authenticationInfo;
  return { userId: credential.user_id, passkeyId: credential.id, newCounter: info.newCounter, backedUp: info.credentialBackedUp };
}
