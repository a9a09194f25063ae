import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { isoCBOR } from '@simplewebauthn/server/helpers';

const b64u = (b: Uint8Array | Buffer) => Buffer.from(b).toString('base64url');
const sha256 = (b: Uint8Array | string) => createHash('sha256').update(b).digest();

export interface CeremonyOverrides {
  /** Origin written into clientDataJSON (default: the app's). */
  origin?: string;
  /** RP ID hashed into authenticatorData (default: the options' RP ID). */
  rpId?: string;
  /** Signature counter to report (default: the next value). */
  counter?: number;
  /** Whether the authenticator reports that it verified the user (the UV flag; default true). */
  userVerified?: boolean;
}

/** authenticatorData flags (WebAuthn §6.1): user present, user verified, attested credential data. */
const UP = 0x01;
const UV = 0x04;
const AT = 0x40;
const flags = (o: CeremonyOverrides, extra = 0) => UP | (o.userVerified === false ? 0 : UV) | extra;

/**
 * A software WebAuthn authenticator (ES256, "none" attestation) for API tests of the ceremonies, so that every
 * field an attacker controls (origin, RP ID, counter, challenge) can be set on purpose. The real-browser test
 * uses Chromium's virtual authenticator instead.
 */
export class SoftAuthenticator {
  readonly credentialId = randomBytes(32);
  private readonly key: KeyObject;
  private readonly publicJwk: { x: string; y: string };
  private counter = 0;
  userHandle?: string;
  rpId?: string;

  constructor(private readonly defaultOrigin: string) {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    this.key = privateKey;
    this.publicJwk = publicKey.export({ format: 'jwk' }) as { x: string; y: string };
  }

  get id(): string {
    return b64u(this.credentialId);
  }

  private authData(rpId: string, flags: number, counter: number, attested?: Buffer): Buffer {
    const c = Buffer.alloc(4);
    c.writeUInt32BE(counter);
    return Buffer.concat([sha256(rpId), Buffer.from([flags]), c, ...(attested ? [attested] : [])]);
  }

  /** Answers registration options (navigator.credentials.create). */
  create(options: { challenge: string; rp: { id?: string }; user: { id: string } }, o: CeremonyOverrides = {}) {
    this.rpId = options.rp.id!;
    this.userHandle = options.user.id;
    const cose = new Map<number, number | Uint8Array>([
      [1, 2],
      [3, -7],
      [-1, 1],
      [-2, Buffer.from(this.publicJwk.x, 'base64url')],
      [-3, Buffer.from(this.publicJwk.y, 'base64url')],
    ]);
    const len = Buffer.alloc(2);
    len.writeUInt16BE(this.credentialId.length);
    const attested = Buffer.concat([Buffer.alloc(16), len, this.credentialId, Buffer.from(isoCBOR.encode(cose))]);
    const authData = this.authData(o.rpId ?? this.rpId, flags(o, AT), o.counter ?? 0, attested);
    const clientDataJSON = Buffer.from(
      JSON.stringify({ type: 'webauthn.create', challenge: options.challenge, origin: o.origin ?? this.defaultOrigin, crossOrigin: false }),
    );
    const attestationObject = isoCBOR.encode(
      new Map<string, unknown>([
        ['fmt', 'none'],
        ['attStmt', new Map()],
        ['authData', new Uint8Array(authData)],
      ]) as never,
    );
    return {
      id: this.id,
      rawId: this.id,
      type: 'public-key',
      clientExtensionResults: {},
      authenticatorAttachment: 'platform',
      response: { clientDataJSON: b64u(clientDataJSON), attestationObject: b64u(attestationObject), transports: ['internal'] },
    };
  }

  /** Answers authentication options (navigator.credentials.get) with a discoverable credential. */
  get(options: { challenge: string; rpId?: string }, o: CeremonyOverrides = {}) {
    const counter = o.counter ?? ++this.counter;
    const authData = this.authData(o.rpId ?? options.rpId ?? this.rpId!, flags(o), counter);
    const clientDataJSON = Buffer.from(
      JSON.stringify({ type: 'webauthn.get', challenge: options.challenge, origin: o.origin ?? this.defaultOrigin, crossOrigin: false }),
    );
    const signature = sign('sha256', Buffer.concat([authData, sha256(clientDataJSON)]), this.key);
    return {
      id: this.id,
      rawId: this.id,
      type: 'public-key',
      clientExtensionResults: {},
      authenticatorAttachment: 'platform',
      response: {
        clientDataJSON: b64u(clientDataJSON),
        authenticatorData: b64u(authData),
        signature: b64u(signature),
        userHandle: this.userHandle,
      },
    };
  }
}
