import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { StorageError } from '../client-errors.js';
import type { StoredCredentials } from '../stored-credentials.js';
import { configDir } from './config-dir.js';
import { readCredentialsFile } from './file-token-store.js';
import { checkPrivate } from './private-path.js';

/** One stored login: its file and what is in it. */
export interface StoredLogin {
  path: string;
  credentials: StoredCredentials;
}

/**
 * Every login stored in `dir` (default {@link configDir}), sorted by file name. A directory that others can read
 * is refused (StorageError); so is a broken or unsafe file, named by its path.
 */
export async function listStoredLogins(dir: string = configDir()): Promise<StoredLogin[]> {
  if (!(await checkPrivate(dir, 'dir'))) return [];
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (e) {
    throw new StorageError(`cannot list ${dir}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`, {
      reason: 'storage_unreadable',
      cause: e,
    });
  }
  const logins: StoredLogin[] = [];
  for (const name of names.filter((n) => n.endsWith('.json') && !n.startsWith('.')).sort()) {
    const path = join(dir, name);
    const credentials = await readCredentialsFile(path);
    if (credentials) logins.push({ path, credentials });
  }
  return logins;
}
