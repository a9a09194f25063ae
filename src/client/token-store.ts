import type { StoredCredentials } from './stored-credentials.js';

/**
 * Where the credentials for one issuer and resource live. Two implementations: the file store (one 0600 file per
 * issuer and resource under `~/.config/oauth3/`, written atomically, locked by an exclusive lock file) and the
 * in-memory store (tests, embedding). A store never deletes on its own: only `remove()` does (logout).
 */
export interface TokenStore {
  /** A short name for messages, e.g. the file path. Never contains a secret. */
  readonly location: string;
  /** The stored credentials, or undefined when there are none. Throws StorageError when they cannot be read safely. */
  load(): Promise<StoredCredentials | undefined>;
  /** Replaces the stored credentials (atomically for the file store). */
  save(credentials: StoredCredentials): Promise<void>;
  /** Deletes the stored credentials (logout). */
  remove(): Promise<void>;
  /**
   * Runs `fn` while holding the store's cross-process lock (the file store: an exclusive-create lock file, a stale
   * one stolen after a timeout; the memory store: an in-process mutex). Throws StorageError when it cannot be taken.
   */
  withLock<T>(fn: () => Promise<T>): Promise<T>;
}
