import {
  generateRegistrationOptions,
  verifyRegistrationResponse,
  type PublicKeyCredentialCreationOptionsJSON,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import type { AppContext } from '../kernel/index.js';
import type { PasskeysTable } from './tables.js';
import { AppError } from '../errors/index.js';
import { accountsErrors } from './accounts-errors.js';
import { relyingParty } from './relying-party.js';
import { challengeOf, consumeChallenge, storeChallenge } from './challenges.js';
import { findCredential, listPasskeys, passkeyName } from './passkeys.js';
import { getUser, newUserIdentity, webauthnUserIdOf } from './users.js';
import { aaguidName } from './aaguid-names.js';
import type { RequestMeta } from '../kernel/index.js';

/**
 * Registration options for a discoverable credential (resident key required, user verification preferred).
 * For a sign-up (`userId` absent) a new user id and user handle are allocated and kept with the challenge; for
 * adding a passkey the account's handle is used and its passkeys are excluded.
 */
export async function registrationOptions(ctx: AppContext, o: { userId?: string }): Promise<PublicKeyCredentialCreationOptionsJSON> {
  const rp = relyingParty(ctx.config);
  const user = o.userId ? await getUser(ctx.db, o.userId) : undefined;
  const identity = o.userId ? { userId: o.userId, webauthnUserId: (await webauthnUserIdOf(ctx.db, o.userId))! } : newUserIdentity();
  const existing = o.userId ? await listPasskeys(ctx.db, o.userId) : [];
  const created = new Date().toISOString().slice(0, 10);
  const options = await generateRegistrationOptions({
    rpName: rp.rpName,
    rpID: rp.rpID,
    userID: Buffer.from(identity.webauthnUserId, 'base64url'),
    // what the authenticator shows to tell accounts apart: the person's username or email once they set one
    userName: user?.username ?? user?.email ?? `${rp.rpName} account ${created}`,
    attestationType: 'none',
    excludeCredentials: existing.map((p) => ({ id: p.id, transports: p.transports })),
    authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
    supportedAlgorithmIDs: [-7, -257, -8],
  });
  await storeChallenge(ctx.db, { challenge: options.challenge, purpose: o.userId ? 'add-passkey' : 'signup', ...identity });
  return options;
}

const TRANSPORTS = ['ble', 'cable', 'hybrid', 'internal', 'nfc', 'smart-card', 'usb'];

/** The transports an authenticator reported, keeping only known values (the client controls this field). */
function knownTransports(raw: unknown): string[] {
  return Array.isArray(raw) ? [...new Set(raw.filter((t): t is string => typeof t === 'string' && TRANSPORTS.includes(t)))] : [];
}

/** A verified new credential, ready to store (with `insertPasskey`) in the transaction of the change. */
export interface VerifiedRegistration {
  userId: string;
  webauthnUserId: string;
  row: PasskeysTable;
}

/**
 * Verifies an attestation against its single-use challenge (origin, RP ID, signature). `userId` set: adding
 * to that account (the challenge must have been issued to it); unset: a sign-up, with the user id allocated
 * with the challenge. The challenge is consumed before verifying, so it is gone even when verification fails.
 * Throws ERR_ACCOUNTS_WEBAUTHN_CHALLENGE, ERR_ACCOUNTS_WEBAUTHN_FAILED or ERR_ACCOUNTS_PASSKEY_EXISTS with a message saying why.
 */
export async function verifyRegistration(
  ctx: AppContext,
  o: { response: RegistrationResponseJSON; userId?: string; name?: string },
): Promise<VerifiedRegistration> {
  const challenge = challengeOf(o.response);
  const purpose = o.userId ? 'add-passkey' : 'signup';
  const stored = challenge ? await consumeChallenge(ctx.db, challenge, purpose) : undefined;
  if (!stored || !stored.user_id || !stored.webauthn_user_id || (o.userId && stored.user_id !== o.userId))
    throw new AppError(accountsErrors.ERR_ACCOUNTS_WEBAUTHN_CHALLENGE);
  const rp = relyingParty(ctx.config);
  let verification;
  try {
    verification = await verifyRegistrationResponse({
      response: o.response,
      expectedChallenge: stored.challenge,
      expectedOrigin: rp.origins,
      expectedRPID: rp.rpID,
      // The passkey is the account's only factor, so the authenticator must have verified the person (PIN, biometrics).
      requireUserVerification: true,
    });
  } catch (e) {
    throw new AppError(accountsErrors.ERR_ACCOUNTS_WEBAUTHN_FAILED, `The new passkey could not be verified: ${(e as Error).message}`);
  }
  if (!verification.verified) throw new AppError(accountsErrors.ERR_ACCOUNTS_WEBAUTHN_FAILED, 'The new passkey could not be verified.');
  const info = verification.registrationInfo;
  if (await findCredential(ctx.db, info.credential.id)) throw new AppError(accountsErrors.ERR_ACCOUNTS_PASSKEY_EXISTS);
  const row: PasskeysTable = {
    id: info.credential.id,
    user_id: stored.user_id,
    public_key: Buffer.from(info.credential.publicKey).toString('base64url'),
    counter: info.credential.counter,
    transports: JSON.stringify(knownTransports(info.credential.transports ?? o.response.response?.transports)),
    device_type: info.credentialDeviceType,
    backed_up: info.credentialBackedUp ? 1 : 0,
    aaguid: info.aaguid,
    name: o.name ? passkeyName(o.name) : (aaguidName(info.aaguid) ?? 'Passkey'),
    created_at: Date.now(),
    last_used_at: null,
  };
  return { userId: stored.user_id, webauthnUserId: stored.webauthn_user_id, row };
}

/** Audits a refused registration (sign-up or add) with the reason; `userId` when adding to an account. */
export function auditRegistrationFailure(ctx: AppContext, o: { userId?: string; meta: RequestMeta; reason: string }): void {
  ctx.audit.enqueue({
    action: o.userId ? 'passkey.added' : 'account.signed_up',
    result: 'failure',
    actor: { type: o.userId ? 'user' : 'anonymous', id: o.userId ?? null },
    userId: o.userId ?? null,
    ...o.meta,
    detail: { reason: o.reason },
  });
}
