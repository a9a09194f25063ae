import type { StoredCredentials } from '../stored-credentials.js';
import type { TokenStore } from '../token-store.js';

/**
 * A store in this process's memory (tests, embedding): nothing is written anywhere; `withLock` is an in-process
 * mutex (callers run one after another, in order). Each load gives a copy, so a caller cannot change what is stored.
 */
export function memoryTokenStore(initial?: StoredCredentials): TokenStore {
  let stored = initial ? structuredClone(initial) : undefined;
  let tail: Promise<unknown> = Promise.resolve();
  return {
    location: 'memory',
    async load() {
      return stored ? structuredClone(stored) : undefined;
    },
    async save(credentials) {
      stored = structuredClone(credentials);
    },
    async remove() {
      stored = undefined;
    },
    withLock<T>(fn: () => Promise<T>): Promise<T> {
      const run = tail.then(fn, fn);
      tail = run.catch(() => {});
      return run;
    },
  };
}
