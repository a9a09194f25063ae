import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { symmetricKey, type SymmetricKey } from './secret-box.js';

/** Thrown when the master key cannot be had; the message says what and where. */
export class MasterKeyError extends Error {
  override name = 'MasterKeyError';
}

/** Parses 32 bytes given as hex (64 chars), base64 or base64url. */
export function parseMasterKey(text: string, where: string): SymmetricKey {
  const s = text.trim();
  let bytes: Buffer | undefined;
  if (/^[0-9a-fA-F]{64}$/.test(s)) bytes = Buffer.from(s, 'hex');
  else if (/^[A-Za-z0-9+/_-]{43}={0,1}$/.test(s)) bytes = Buffer.from(s.replace(/=+$/, ''), 'base64url');
  if (!bytes || bytes.length !== 32) {
    throw new MasterKeyError(`${where}: the master key must be 32 bytes written as 64 hex chars or base64 (got ${s.length} chars)`);
  }
  return symmetricKey(bytes);
}

export interface MasterKeyOptions {
  /** OAUTH3_MASTER_KEY, if set. */
  configured?: string;
  /** OAUTH3_MASTER_KEY_PREVIOUS, if set (a master-key rotation in progress). */
  previous?: string;
  /** Embedded mode (SQLite): a key may be generated into dataDir/master.key. */
  embedded: boolean;
  dataDir: string;
  /** Called once when a key is generated, so the operator knows to back it up. */
  onGenerated?: (path: string) => void;
}

/**
 * The master key: from OAUTH3_MASTER_KEY, else (embedded mode only) from data/master.key, generated there with
 * mode 0600 on first start. Never overwrites an existing key file.
 */
export function loadMasterKey(o: MasterKeyOptions): SymmetricKey {
  if (o.configured) return parseMasterKey(o.configured, 'OAUTH3_MASTER_KEY');
  if (!o.embedded)
    throw new MasterKeyError('OAUTH3_MASTER_KEY: required when DATABASE_URL points at PostgreSQL (every instance must share it)');
  const path = join(o.dataDir, 'master.key');
  if (existsSync(path)) {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (e) {
      throw new MasterKeyError(`${path}: cannot read the master key (${(e as NodeJS.ErrnoException).code})`);
    }
    return parseMasterKey(text, path);
  }
  mkdirSync(o.dataDir, { recursive: true });
  const bytes = randomBytes(32);
  writeFileSync(path, bytes.toString('base64url') + '\n', { mode: 0o600, flag: 'wx' });
  chmodSync(path, 0o600);
  o.onGenerated?.(path);
  return symmetricKey(bytes);
}

/** The master keys: the primary seals, every key of `all` (the primary and a previous one) opens. */
export interface MasterKeys {
  primary: SymmetricKey;
  all: ReadonlyMap<string, SymmetricKey>;
}

/** The primary master key (see loadMasterKey) and, during a rotation, the previous one beside it. */
export function loadMasterKeys(o: MasterKeyOptions): MasterKeys {
  const primary = loadMasterKey(o);
  const all = new Map([[primary.id, primary]]);
  if (o.previous) {
    const previous = parseMasterKey(o.previous, 'OAUTH3_MASTER_KEY_PREVIOUS');
    if (previous.id === primary.id) throw new MasterKeyError('OAUTH3_MASTER_KEY_PREVIOUS: the same key as the master key');
    all.set(previous.id, previous);
  }
  return { primary, all };
}

/** One key of `keys`, for code that has only a primary (tests, tools). */
export function onlyMasterKey(key: SymmetricKey): MasterKeys {
  return { primary: key, all: new Map([[key.id, key]]) };
}
