import { randomBytes } from 'node:crypto';
import { link, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { StorageError } from '../client-errors.js';

/** How a lock file is taken: how long to wait for it, when a held one counts as abandoned. */
export interface FileLockOptions {
  /** Give up waiting after this long (ms); default 60 s. */
  waitMs?: number;
  /** A lock older than this (ms) is stale and stolen; default 30 s (a refresh, retries included, takes less). */
  staleMs?: number;
}

interface LockBody {
  pid: number;
  time: number;
  nonce: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** True when a process with `pid` runs (on this machine: a lock file's pid is only meaningful here). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readLock(path: string): Promise<LockBody | undefined> {
  try {
    const b = JSON.parse(await readFile(path, 'utf8')) as LockBody;
    if (typeof b.pid === 'number' && typeof b.time === 'number') return b;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
  }
  // unreadable or still being written: judged by the file's age alone
  try {
    return { pid: 0, time: (await stat(path)).mtimeMs, nonce: '' };
  } catch {
    return undefined;
  }
}

/**
 * Steals the lock at `path` if it is still the one judged stale: it is renamed away (atomic), read again, and
 * put back with link() (which fails if a new lock exists) when it turned out to be another, live one.
 */
async function steal(path: string, judged: LockBody): Promise<void> {
  const aside = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.stale`;
  try {
    await rename(path, aside);
  } catch {
    return; // gone already: someone released or stole it
  }
  const taken = await readLock(aside);
  if (taken && taken.nonce !== judged.nonce) await link(aside, path).catch(() => {});
  await unlink(aside).catch(() => {});
}

/**
 * Runs `fn` holding the lock file `path`: created exclusively (`wx`) with this process's pid, the time and a
 * nonce; while another holds it, retried with a short backoff; a lock older than `staleMs` or whose process is
 * gone is stolen; released in `finally` (only if it is still ours). StorageError when it cannot be had in `waitMs`.
 */
export async function withFileLock<T>(path: string, fn: () => Promise<T>, o: FileLockOptions = {}): Promise<T> {
  const waitMs = o.waitMs ?? 60_000;
  const staleMs = o.staleMs ?? 30_000;
  const mine: LockBody = { pid: process.pid, time: Date.now(), nonce: randomBytes(8).toString('hex') };
  const deadline = Date.now() + waitMs;
  let pause = 10;
  for (;;) {
    try {
      const fh = await open(path, 'wx', 0o600);
      mine.time = Date.now();
      await fh.writeFile(JSON.stringify(mine));
      await fh.close();
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new StorageError(`cannot create the lock file ${path}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`, {
          reason: 'lock_failed',
          cause: e,
        });
      }
    }
    const held = await readLock(path);
    if (held && (Date.now() - held.time > staleMs || (held.pid > 0 && held.pid !== process.pid && !alive(held.pid)))) {
      await steal(path, held);
      continue;
    }
    if (Date.now() > deadline) {
      throw new StorageError(`the lock ${path} is held by process ${held?.pid ?? '?'}: gave up after ${Math.round(waitMs / 1000)} s`, {
        reason: 'lock_timeout',
        detail: `if no oauth3 process runs, delete ${path}`,
      });
    }
    await sleep(pause / 2 + Math.random() * pause);
    pause = Math.min(pause * 2, 200);
  }
  try {
    return await fn();
  } finally {
    const now = await readLock(path);
    if (now?.nonce === mine.nonce) await unlink(path).catch(() => {});
  }
}
