import { readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { StorageError } from '../client-errors.js';
import type { StoredCredentials } from '../stored-credentials.js';
import type { TokenStore } from '../token-store.js';
import { configDir } from './config-dir.js';
import { withFileLock, type FileLockOptions } from './file-lock.js';
import { checkPrivate, ensurePrivateDir } from './private-path.js';
import { storeFileName } from './store-file-name.js';
import { writeFileAtomic } from './write-file-atomic.js';

/** Where a file store lives: the issuer and resource name the file, `dir` the directory (default {@link configDir}). */
export interface FileTokenStoreOptions {
  issuer: string;
  resource?: string;
  dir?: string;
  lock?: FileLockOptions;
}

/** Reads and checks one stored login file; StorageError naming the path (never its content) when it is broken. */
export async function readCredentialsFile(path: string): Promise<StoredCredentials | undefined> {
  if (!(await checkPrivate(path, 'file'))) return undefined;
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new StorageError(`cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`, {
      reason: 'storage_unreadable',
      cause: e,
    });
  }
  let c: StoredCredentials;
  try {
    c = JSON.parse(text) as StoredCredentials;
  } catch {
    throw new StorageError(`${path} is not valid JSON: delete it and run oauth3 login again`, { reason: 'storage_corrupt' });
  }
  const ok =
    c !== null &&
    typeof c === 'object' &&
    c.version === 1 &&
    typeof c.issuer === 'string' &&
    typeof c.access_token === 'string' &&
    typeof c.expires_at === 'number' &&
    typeof c.server?.token_endpoint === 'string' &&
    typeof c.client?.client_id === 'string';
  if (!ok)
    throw new StorageError(`${path} is not an oauth3 login file: delete it and run oauth3 login again`, { reason: 'storage_corrupt' });
  return c;
}

/**
 * The file store: one file per issuer and resource under `$XDG_CONFIG_HOME/oauth3/` (default `~/.config/oauth3/`),
 * mode 0600 in a 0700 directory, written atomically (temp file, fsync, rename, fsync of the directory). A file or
 * directory that group or others can use is refused (StorageError `insecure_store` with the `chmod` that fixes it).
 * `withLock` takes `<file>.lock` (exclusive create, pid and time inside; a stale one is stolen).
 */
export function fileTokenStore(o: FileTokenStoreOptions): TokenStore {
  const dir = o.dir ?? configDir();
  const path = join(dir, storeFileName(o.issuer, o.resource));
  return {
    location: path,
    async load() {
      await checkPrivate(dir, 'dir');
      return readCredentialsFile(path);
    },
    async save(credentials) {
      await ensurePrivateDir(dir);
      try {
        await writeFileAtomic(path, `${JSON.stringify(credentials, null, 2)}\n`);
      } catch (e) {
        throw new StorageError(`cannot write ${path}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`, {
          reason: 'storage_unwritable',
          cause: e,
        });
      }
    },
    async remove() {
      try {
        await unlink(path);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') {
          throw new StorageError(`cannot delete ${path}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`, {
            reason: 'storage_unwritable',
            cause: e,
          });
        }
      }
    },
    async withLock(fn) {
      await ensurePrivateDir(dir);
      return withFileLock(`${path}.lock`, fn, o.lock);
    },
  };
}
