import { randomBytes } from 'node:crypto';
import { pollForChanges } from './poll-for-changes.js';
import type { Db, Executor } from '../store/index.js';
import { open, seal, sealedKeyId, symmetricKey, MissingKeyError, type SymmetricKey } from './secret-box.js';
import { rewrapSealed } from './rewrap.js';
import { sealedUnderOtherKeyMessage, type SealedUnderOtherKey } from './sealed-under-other-key.js';

/** `primary` seals new data; `active` still opens; `retired` opens nothing (no row may use it). */
export type DataKeyStatus = 'primary' | 'active' | 'retired';

export interface DataKeysTable {
  kid: string;
  /** The data key, sealed under the master key (aad `vault_data_keys:<kid>`). */
  sealed: string;
  status: DataKeyStatus;
  created_at: number;
  retired_at: number | null;
}

declare module '../store/database.js' {
  interface Database {
    vault_data_keys: DataKeysTable;
  }
}

/** A data key as listed (never its bytes). */
export interface DataKeyInfo {
  kid: string;
  status: DataKeyStatus;
  createdAt: number;
  retiredAt: number | null;
  /** The master key it is sealed under. */
  masterKid: string;
}

/** Thrown when a data key cannot be had: a wrong master key, a retired key, a kid no instance knows. */
export class DataKeyError extends Error {
  override name = 'DataKeyError';
  /** @param otherKey set when the data key is sealed under a master key this ring was not given */
  constructor(
    message: string,
    readonly otherKey?: SealedUnderOtherKey,
  ) {
    super(message);
  }
}

const aadOf = (kid: string) => `vault_data_keys:${kid}`;

/**
 * The vault's data keys (envelope encryption, as HashiCorp Vault's transit engine and Auth0 Token Vault do):
 * random AES-256 keys stored in the database sealed under the master key; data is sealed under the primary one,
 * with its kid in the envelope, so rotating means a new primary while every older key still opens what it sealed
 * until `reencrypt` moves the rows and `retire` drops it. An unknown kid (another instance rotated) reloads once,
 * at most once a second; `watch` polls so a rotation reaches every instance within one poll.
 */
export class DataKeyRing {
  private keys = new Map<string, SymmetricKey>();
  private primaryKey?: SymmetricKey;
  private lastReload = 0;
  private reloading?: Promise<void>;

  constructor(
    private readonly db: Db,
    private readonly masterKey: SymmetricKey,
    private readonly openWith: ReadonlyMap<string, SymmetricKey> = new Map([[masterKey.id, masterKey]]),
  ) {}

  /**
   * Loads the keys, making the first one on a new database; returns its kid when this call made it. Instances
   * starting at once on a new database make one key between them: at most one row is `primary` (a unique index),
   * and the first is inserted in one statement that does nothing when another instance's is there.
   */
  async init(): Promise<string | undefined> {
    await this.reload();
    if (this.primaryKey) return undefined;
    const key = symmetricKey(randomBytes(32));
    const res = await this.db
      .insertInto('vault_data_keys')
      .values(this.newRow(key))
      .onConflict((oc) => oc.doNothing())
      .executeTakeFirst();
    await this.reload();
    return Number(res.numInsertedOrUpdatedRows ?? 0) > 0 ? key.id : undefined;
  }

  /**
   * A new primary data key; the previous primary keeps opening (status `active`). Returns the new kid. Two rotations
   * at once both happen, one after the other (on PostgreSQL the later insert meets the unique primary and runs again).
   */
  async rotate(): Promise<string> {
    const key = symmetricKey(randomBytes(32));
    for (let attempt = 1; ; attempt++) {
      try {
        await this.db.transaction().execute(async (trx) => {
          await trx.updateTable('vault_data_keys').set({ status: 'active' }).where('status', '=', 'primary').execute();
          await trx.insertInto('vault_data_keys').values(this.newRow(key)).execute();
        });
        break;
      } catch (e) {
        if (attempt >= 3 || (e as { code?: unknown }).code !== '23505') throw e; // PostgreSQL's unique_violation
      }
    }
    await this.reload();
    return key.id;
  }

  /**
   * Retires a key that is not the primary, so it opens nothing any more. `rowsUsing` counts the data still sealed
   * under it (the caller knows its tables): retiring a key in use is refused, as data would be lost.
   */
  async retire(kid: string, rowsUsing: (kid: string) => Promise<number>): Promise<'retired' | 'unknown' | 'primary' | 'in-use'> {
    const row = await this.db.selectFrom('vault_data_keys').select(['status']).where('kid', '=', kid).executeTakeFirst();
    if (!row || row.status === 'retired') return 'unknown';
    if (row.status === 'primary') return 'primary';
    if ((await rowsUsing(kid)) > 0) return 'in-use';
    await this.db.updateTable('vault_data_keys').set({ status: 'retired', retired_at: Date.now() }).where('kid', '=', kid).execute();
    await this.reload();
    return 'retired';
  }

  /** Every key, newest first, with the master key it is sealed under. */
  async list(db: Executor = this.db): Promise<DataKeyInfo[]> {
    const rows = await db.selectFrom('vault_data_keys').selectAll().orderBy('created_at', 'desc').execute();
    return rows.map((r) => ({
      kid: r.kid,
      status: r.status,
      createdAt: Number(r.created_at),
      retiredAt: r.retired_at === null ? null : Number(r.retired_at),
      masterKid: sealedKeyId(r.sealed),
    }));
  }

  /** Re-seals every data key under the primary master key (a master-key rotation); returns how many changed. */
  async rewrap(): Promise<number> {
    return this.db.transaction().execute(async (trx) => {
      let n = 0;
      for (const r of await trx.selectFrom('vault_data_keys').select(['kid', 'sealed']).execute()) {
        const sealed = this.unsealing(r.kid, () => rewrapSealed(r.sealed, aadOf(r.kid), this.openWith, this.masterKey));
        if (sealed === undefined) continue;
        await trx.updateTable('vault_data_keys').set({ sealed }).where('kid', '=', r.kid).execute();
        n++;
      }
      return n;
    });
  }

  /** Re-reads the key table; keys already in memory are not decrypted again. */
  async reload(): Promise<void> {
    const rows = await this.db.selectFrom('vault_data_keys').selectAll().where('status', '!=', 'retired').orderBy('created_at').execute();
    const next = new Map<string, SymmetricKey>();
    let primary: SymmetricKey | undefined;
    for (const r of rows) {
      const key = this.keys.get(r.kid) ?? this.unsealing(r.kid, () => symmetricKey(open(this.openWith, r.sealed, aadOf(r.kid))));
      next.set(r.kid, key);
      if (r.status === 'primary') primary = key; // one at most (a unique index)
    }
    this.keys = next;
    this.primaryKey = primary;
    this.lastReload = Date.now();
  }

  /** Polls for a rotation or retirement every `pollMs`; returns the function that stops it. */
  watch(pollMs: number, onError: (err: unknown) => void): () => Promise<void> {
    return pollForChanges(
      pollMs,
      () => this.changed(),
      () => this.reload(),
      onError,
    );
  }

  /** The kid new data is sealed under. */
  get primaryKid(): string {
    return this.primary().id;
  }

  /** Seals under the primary data key; `aad` binds the ciphertext to where it is stored. */
  seal(plaintext: string | Buffer, aad: string): string {
    return seal(this.primary(), plaintext, aad);
  }

  /**
   * Opens a value sealed under any known data key. A kid this instance has not seen yet (another rotated) reloads
   * once; a wrong `aad` or a changed ciphertext throws (the caller maps it to ERR_VAULT_DECRYPT).
   */
  async open(sealed: string, aad: string): Promise<Buffer> {
    try {
      return open(this.keys, sealed, aad);
    } catch (e) {
      if (!(e instanceof MissingKeyError)) throw e;
      await this.reloadSoon();
      return open(this.keys, sealed, aad);
    }
  }

  /** Health probe: the primary key seals and opens a canary. */
  probe(): boolean {
    try {
      return open(this.keys, this.seal('canary', 'probe'), 'probe').toString() === 'canary';
    } catch {
      return false;
    }
  }

  private newRow(key: SymmetricKey): DataKeysTable {
    return {
      kid: key.id,
      sealed: seal(this.masterKey, key.bytes, aadOf(key.id)),
      status: 'primary',
      created_at: Date.now(),
      retired_at: null,
    };
  }

  private primary(): SymmetricKey {
    if (!this.primaryKey) throw new DataKeyError('no primary vault data key');
    return this.primaryKey;
  }

  private async changed(): Promise<boolean> {
    const rows = await this.db.selectFrom('vault_data_keys').select(['kid', 'status']).where('status', '!=', 'retired').execute();
    const primary = rows.find((r) => r.status === 'primary')?.kid;
    return rows.length !== this.keys.size || rows.some((r) => !this.keys.has(r.kid)) || primary !== this.primaryKey?.id;
  }

  /** One reload at most a second, however many unknown kids arrive. */
  private reloadSoon(): Promise<void> {
    this.reloading ??= new Promise<void>((resolve) => {
      const wait = Math.max(0, this.lastReload + 1000 - Date.now());
      setTimeout(() => {
        this.reload()
          .catch(() => undefined)
          .finally(() => {
            this.reloading = undefined;
            resolve();
          });
      }, wait).unref();
    });
    return this.reloading;
  }

  /** Runs `fn`, turning a master-key failure into a message that names the master key the data key needs. */
  private unsealing<T>(kid: string, fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      const have = [...this.openWith.keys()].join(' or ');
      if (e instanceof MissingKeyError) {
        const other = { what: `vault data key ${kid} is sealed`, needs: e.keyId, have };
        throw new DataKeyError(sealedUnderOtherKeyMessage(other), other);
      }
      throw new DataKeyError(`vault data key ${kid} cannot be opened with master key ${have}: wrong key or corrupt data`);
    }
  }
}
