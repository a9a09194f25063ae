import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { pollForChanges } from './poll-for-changes.js';
import type { Executor, Db } from '../store/index.js';
import { open, seal, MissingKeyError, type SymmetricKey } from './secret-box.js';
import { randomId } from './random.js';
import { rewrapSealed } from './rewrap.js';
import { sealedUnderOtherKeyMessage } from './sealed-under-other-key.js';
import { signJwt, verifyJwt, type JwtHeader, type JwtPayload, type VerifyJwtOptions } from './jwt.js';
import { SignatureQueue, type PendingJwt } from './signature-queue.js';
import { listSigningKeys, type SigningKeyInfo } from './list-signing-keys.js';
import type { SigningKeysTable } from './signing-keys-table.js';
import { SigningKeyError } from './signing-key-error.js';

/**
 * ES256 signs everything the gateway issues and verifies; RS256 only signs ID tokens for the OpenID Connect clients
 * that expect it (OpenID Connect Discovery §3: RS256 must be offered). The verifier accepts ES256 alone.
 */
export type SigningAlg = 'ES256' | 'RS256';

interface LoadedKey {
  kid: string;
  alg: SigningAlg;
  status: SigningKeysTable['status'];
  createdAt: number;
  publicJwk: Record<string, unknown>;
  publicKey: KeyObject;
  privateKey?: KeyObject;
}

/** A stored key's public half, as the ring keeps it (its private half is decrypted only once it is active). */
function publicHalfOf(r: SigningKeysTable): LoadedKey {
  const publicJwk = JSON.parse(r.public_jwk);
  return {
    kid: r.kid,
    alg: r.alg === 'RS256' ? 'RS256' : 'ES256',
    status: r.status,
    createdAt: Number(r.created_at),
    publicJwk,
    publicKey: createPublicKey({ key: publicJwk, format: 'jwk' }),
  };
}

/**
 * The signing keys (ES256; RS256 for ID tokens, made on first use): private halves stored sealed under the master
 * key, public halves published as JWKS.
 * Keys live in memory as KeyObjects; an unknown kid (another instance rotated) triggers one reload, at most
 * once a second, so a forged kid cannot turn into a database storm.
 */
export class SigningKeyRing {
  private keys = new Map<string, LoadedKey>();
  private active?: LoadedKey;
  /** The RS256 key ID tokens are signed with, once one exists (see `ensure`). */
  private activeRsa?: LoadedKey;
  private creatingRsa?: Promise<void>;
  private lastReload = 0;
  private reloading?: Promise<void>;
  private readonly queue = new SignatureQueue();

  /**
   * `masterKey` seals new keys; `openWith` opens stored ones (the master key and, during a master-key rotation, the
   * previous one: OAUTH3_MASTER_KEY_PREVIOUS).
   */
  constructor(
    private readonly db: Db,
    private readonly masterKey: SymmetricKey,
    private readonly openWith: ReadonlyMap<string, SymmetricKey> = new Map([[masterKey.id, masterKey]]),
  ) {}

  /** Loads keys from the database, generating the first one if there is none; returns its kid then. */
  async init(): Promise<string | undefined> {
    await this.reload();
    return this.active ? undefined : this.rotate();
  }

  /**
   * Adds a new active key of `alg` (ES256 unless told); the previous active key of that alg keeps verifying until
   * retired. Returns the new kid.
   */
  async rotate(alg: SigningAlg = 'ES256'): Promise<string> {
    const { privateKey, publicKey } =
      alg === 'ES256' ? generateKeyPairSync('ec', { namedCurve: 'P-256' }) : generateKeyPairSync('rsa', { modulusLength: 2048 });
    const kid = randomId('k');
    const jwk = { ...publicKey.export({ format: 'jwk' }), kid, alg, use: 'sig' };
    const sealed = seal(this.masterKey, privateKey.export({ format: 'der', type: 'pkcs8' }), `signing_keys:${kid}`);
    await this.db.transaction().execute(async (trx) => {
      await trx.updateTable('signing_keys').set({ status: 'verify' }).where('status', '=', 'active').where('alg', '=', alg).execute();
      await trx
        .insertInto('signing_keys')
        .values({
          kid,
          alg,
          public_jwk: JSON.stringify(jwk),
          private_sealed: sealed,
          status: 'active',
          created_at: Date.now(),
          retired_at: null,
        })
        .execute();
    });
    await this.reload();
    return kid;
  }

  /** Retires a key that is no longer active: it leaves the JWKS and stops verifying. */
  async retire(kid: string): Promise<boolean> {
    const res = await this.db
      .updateTable('signing_keys')
      .set({ status: 'retired', retired_at: Date.now() })
      .where('kid', '=', kid)
      .where('status', '=', 'verify')
      .executeTakeFirst();
    await this.reload();
    return Number(res.numUpdatedRows) > 0;
  }

  /** Re-seals every private key under the master key (after a master-key rotation); returns how many changed. */
  async rewrap(): Promise<number> {
    return this.db.transaction().execute(async (trx) => {
      let n = 0;
      for (const r of await trx.selectFrom('signing_keys').select(['kid', 'private_sealed']).execute()) {
        let sealed: string | undefined;
        try {
          sealed = rewrapSealed(r.private_sealed, `signing_keys:${r.kid}`, this.openWith, this.masterKey);
        } catch {
          this.decrypt(r.kid, r.private_sealed); // throws the message that names the master key needed
        }
        if (sealed === undefined) continue;
        await trx.updateTable('signing_keys').set({ private_sealed: sealed }).where('kid', '=', r.kid).execute();
        n++;
      }
      return n;
    });
  }

  /** Every key with its status, newest first (see listSigningKeys). */
  list(db: Executor = this.db): Promise<SigningKeyInfo[]> {
    return listSigningKeys(db);
  }

  /**
   * Re-reads keys from the database. Keys already in memory keep their KeyObjects: only a key that became
   * active since the last read is decrypted.
   */
  async reload(): Promise<void> {
    const rows = await this.db.selectFrom('signing_keys').selectAll().where('status', '!=', 'retired').execute();
    const next = new Map<string, LoadedKey>();
    let active: LoadedKey | undefined;
    let activeRsa: LoadedKey | undefined;
    for (const r of rows) {
      const known = this.keys.get(r.kid);
      const key: LoadedKey = known ? { ...known, status: r.status } : publicHalfOf(r);
      if (r.status === 'active') {
        key.privateKey ??= this.decrypt(r.kid, r.private_sealed);
        if (key.alg === 'RS256') {
          if (!activeRsa || key.createdAt > activeRsa.createdAt) activeRsa = key;
        } else if (!active || key.createdAt > active.createdAt) active = key;
      }
      next.set(r.kid, key);
    }
    // ES256 first: the key most verifiers look for.
    this.keys = new Map([...next].sort(([, a], [, b]) => (a.alg === b.alg ? 0 : a.alg === 'ES256' ? -1 : 1)));
    this.active = active;
    this.activeRsa = activeRsa;
    this.lastReload = Date.now();
  }

  /** True when the table's kids and statuses differ from those in memory (one small read, nothing decrypted). */
  private async changed(): Promise<boolean> {
    const rows = await this.db.selectFrom('signing_keys').select(['kid', 'status']).where('status', '!=', 'retired').execute();
    return rows.length !== this.keys.size || rows.some((r) => this.keys.get(r.kid)?.status !== r.status);
  }

  /**
   * Re-reads the key table every `pollMs` (reloading when a kid or status changed), so that `oauth3 keys rotate`
   * and `keys retire`, run against the same database, reach every running instance and worker within one poll.
   * Returns the function that stops it (push it on `ctx.onClose`).
   */
  watch(pollMs: number, onError: (err: unknown) => void): () => Promise<void> {
    return pollForChanges(
      pollMs,
      () => this.changed(),
      () => this.reload(),
      onError,
    );
  }

  private decrypt(kid: string, sealed: string): KeyObject {
    try {
      return createPrivateKey({
        key: open(this.openWith, sealed, `signing_keys:${kid}`),
        format: 'der',
        type: 'pkcs8',
      });
    } catch (e) {
      if (e instanceof MissingKeyError) {
        const other = { what: `signing key ${kid} is encrypted`, needs: e.keyId, have: [...this.openWith.keys()].join(' or ') };
        throw new SigningKeyError(sealedUnderOtherKeyMessage(other), other);
      }
      throw new SigningKeyError(
        `signing key ${kid} cannot be decrypted with the master key (${this.masterKey.id}): wrong key or corrupt data`,
      );
    }
  }

  /**
   * Makes sure a key of `alg` can sign: the RS256 key is made the first time an ID token needs it (one per
   * database; another instance's is picked up by the reload), so gateways without OpenID clients keep one key.
   */
  async ensure(alg: SigningAlg): Promise<void> {
    if (alg === 'ES256' || this.activeRsa) return;
    this.creatingRsa ??= (async () => {
      await this.reload();
      if (!this.activeRsa) await this.rotate('RS256');
    })().finally(() => (this.creatingRsa = undefined));
    await this.creatingRsa;
  }

  /** The ES256 public key for a kid, if it still verifies. An unknown kid schedules a reload (see `settled`). */
  publicKey(kid: string): KeyObject | undefined {
    const k = this.keys.get(kid);
    if (k) return k.alg === 'ES256' ? k.publicKey : undefined;
    this.reloading ??= new Promise<void>((resolve) => {
      // At most one reload a second, however many unknown kids arrive: a forged kid cannot storm the database.
      const wait = Math.max(0, this.lastReload + 1000 - Date.now());
      setTimeout(
        () =>
          this.reload()
            .catch(() => undefined)
            .finally(() => {
              this.reloading = undefined;
              resolve();
            }),
        wait,
      ).unref();
    });
    return undefined;
  }

  /** Resolves after the reload an unknown kid scheduled (another instance may have rotated); verifiers retry once. */
  async settled(): Promise<void> {
    await this.reloading;
  }

  /** The current signing kid. */
  get activeKid(): string {
    if (!this.active) throw new SigningKeyError('no active signing key');
    return this.active.kid;
  }

  /** Signs a JWT with the active key of `alg` (ES256 unless told; RS256 after `ensure('RS256')`). */
  sign(payload: JwtPayload, header: Omit<JwtHeader, 'alg' | 'kid'> = {}, alg: SigningAlg = 'ES256'): string {
    const active = alg === 'ES256' ? this.active : this.activeRsa;
    if (!active?.privateKey) throw new SigningKeyError(`no active ${alg} signing key`);
    return signJwt({ alg, kid: active.kid, ...header }, payload, active.privateKey);
  }

  /**
   * Signs a JWT with the active key a moment later, together with the others asked for in this turn of the
   * event loop (see SignatureQueue): for tokens that are answered only after a write has committed.
   */
  signSoon(payload: JwtPayload, header: Omit<JwtHeader, 'alg' | 'kid'> = {}): PendingJwt {
    const active = this.active;
    if (!active?.privateKey) throw new SigningKeyError('no active signing key');
    return this.queue.add({ alg: 'ES256', kid: active.kid, ...header }, payload, active.privateKey);
  }

  /** Verifies a JWT signed by one of the ring's keys (see verifyJwt for the checks). */
  verify(token: string, o: Omit<VerifyJwtOptions, 'key'> = {}): { header: JwtHeader; payload: JwtPayload } {
    return verifyJwt(token, { ...o, key: (kid) => this.publicKey(kid) });
  }

  /** The public JWK Set (RFC 7517): active and rotated-out keys that still verify. */
  jwks(): { keys: Record<string, unknown>[] } {
    return { keys: [...this.keys.values()].map((k) => k.publicJwk) };
  }

  /** Health probe: seals and opens a value with the master key and signs and verifies with the active key. */
  probe(): boolean {
    try {
      const sealed = seal(this.masterKey, 'probe', 'probe');
      if (open(new Map([[this.masterKey.id, this.masterKey]]), sealed, 'probe').toString() !== 'probe') return false;
      const jwt = this.sign({ exp: Math.floor(Date.now() / 1000) + 60 });
      this.verify(jwt);
      return true;
    } catch {
      return false;
    }
  }
}
