import { authorizedFetch } from '../mcp-bridge/authorized-fetch.js';
import type { TokenStore } from '../token-store.js';
import { defaultStore } from './default-store.js';
import { fetchWithRetry, type RetryOptions } from './fetch-with-retry.js';
import { createTokenManager, type TokenManager } from './token-manager.js';

/** A client for one stored login. */
export interface CreateClientOptions {
  /** The authorization server (issuer); finds the stored login when `store` is not given, and resolves relative URLs. */
  server?: string;
  /** The protected resource the login is for (finds the stored login when `store` is not given). */
  resource?: string;
  /** Where the login is kept; default the file store `oauth3 login` wrote ({@link defaultStore}). */
  store?: TokenStore;
  fetch?: typeof fetch;
  /** Seconds before expiry to refresh; default 300. */
  refreshMargin?: number;
  /** How requests are retried (see {@link fetchWithRetry}). */
  retry?: Omit<RetryOptions, 'fetch'>;
}

/** What {@link createClient} gives: a fresh token, and a fetch with the bearer. */
export interface OAuth3Client {
  getAccessToken(): Promise<string>;
  /**
   * `fetch` with `Authorization: Bearer` added; a 401 refreshes the token once and sends the request once more;
   * network errors, 429 and 5xx are retried (idempotent requests only, see {@link fetchWithRetry}). A relative
   * URL is resolved against `server` (else the resource).
   */
  fetch(input: string | URL, init?: RequestInit): Promise<Response>;
  /** The token manager underneath. */
  tokens: TokenManager;
}

/**
 * A client that keeps the stored login's token fresh (refresh safe across processes) and calls with it.
 * @example
 * const client = createClient({ server: 'https://gateway.example' });
 * const res = await client.fetch('/api/v1/me');
 */
export function createClient(o: CreateClientOptions = {}): OAuth3Client {
  let manager: TokenManager | undefined;
  const tokens = async () => {
    manager ??= createTokenManager({
      store: o.store ?? (await defaultStore({ server: o.server, resource: o.resource })),
      fetch: o.fetch,
      refreshMargin: o.refreshMargin,
    });
    return manager;
  };
  const lazy: TokenManager = {
    getAccessToken: async () => (await tokens()).getAccessToken(),
    current: async () => (await tokens()).current(),
    refresh: async () => (await tokens()).refresh(),
  };
  const send = authorizedFetch({ tokens: lazy, fetch: (url, init) => fetchWithRetry(url, init, { ...o.retry, fetch: o.fetch }) });
  return {
    getAccessToken: lazy.getAccessToken,
    tokens: lazy,
    fetch: (input, init) => {
      const base = o.server ?? o.resource;
      const url = typeof input === 'string' && !/^[a-z][a-z0-9+.-]*:/i.test(input) && base ? new URL(input, base) : input;
      return send(url, init);
    },
  };
}
