import { chmod, mkdir, stat } from 'node:fs/promises';
import { StorageError } from '../client-errors.js';

/** Throws StorageError when group or others may use `path` (a file or directory), saying how to fix it. */
export async function checkPrivate(path: string, kind: 'file' | 'dir'): Promise<boolean> {
  let st;
  try {
    st = await stat(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw new StorageError(`cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`, {
      reason: 'storage_unreadable',
      cause: e,
    });
  }
  if (kind === 'dir' && !st.isDirectory()) throw new StorageError(`${path} is not a directory`, { reason: 'storage_unreadable' });
  if (kind === 'file' && !st.isFile()) throw new StorageError(`${path} is not a file`, { reason: 'storage_unreadable' });
  const mode = st.mode & 0o777;
  if (mode & 0o077) {
    const want = kind === 'dir' ? '700' : '600';
    throw new StorageError(
      `${path} can be read by other users (mode ${mode.toString(8)}): refusing to use it; fix it with: chmod ${want} ${path}`,
      { reason: 'insecure_store' },
    );
  }
  const uid = process.getuid?.();
  if (uid !== undefined && st.uid !== uid) {
    throw new StorageError(`${path} belongs to another user (uid ${st.uid}): refusing to use it`, { reason: 'insecure_store' });
  }
  return true;
}

/** Creates `dir` (mode 0700) when it is missing, else checks it is private. */
export async function ensurePrivateDir(dir: string): Promise<void> {
  if (await checkPrivate(dir, 'dir')) return;
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await chmod(dir, 0o700); // the umask may have taken bits away, never added: make it exact
  } catch (e) {
    throw new StorageError(`cannot create ${dir}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`, {
      reason: 'storage_unwritable',
      cause: e,
    });
  }
}
