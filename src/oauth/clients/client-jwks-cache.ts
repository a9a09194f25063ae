import type { JSONWebKeySet } from 'jose';
import type { AppContext } from '../../kernel/index.js';
import { InvalidClient } from '../../errors/index.js';
import { checkJwks, fetchClientJwks } from './client-jwks.js';
import type { OAuthClient } from './oauth-client.js';

interface Entry {
  jwks: JSONWebKeySet;
  fetchedAt: number;
  freshUntil: number;
}

export interface ClientJwksCacheOptions {
  /** The shortest time between two fetches of one jwks_uri forced by an unknown key (default 30 s). */
  refetchCooldownMs?: number;
  /** How many jwks_uri sets are kept (the oldest fetched goes first; default 1000). */
  maxEntries?: number;
}

/**
 * The public keys of private_key_jwt clients, by client: the registered `jwks` as stored, or the `jwks_uri` set
 * fetched once and reused while its HTTP cache lifetime lasts (see fetchClientJwks), one fetch at a time per URI.
 * An assertion signed with a key the cached set lacks (the client rotated) gets one refetch, at most one per
 * cooldown, so assertions with made-up key ids cannot turn the gateway into a fetcher of someone's jwks_uri.
 * One per authorization server (per app): nothing at module level.
 */
export class ClientJwksCache {
  private readonly entries = new Map<string, Entry>();
  private readonly fetching = new Map<string, Promise<Entry>>();
  private readonly cooldownMs: number;
  private readonly maxEntries: number;

  constructor(
    private readonly ctx: AppContext,
    o: ClientJwksCacheOptions = {},
  ) {
    this.cooldownMs = o.refetchCooldownMs ?? 30_000;
    this.maxEntries = o.maxEntries ?? 1000;
  }

  /** The client's keys; `cached` tells whether a jwks_uri set came from the cache (then `refetch` may help). */
  async keys(client: OAuthClient): Promise<{ jwks: JSONWebKeySet; cached: boolean }> {
    if (client.metadata.jwks) return { jwks: checkJwks(client.metadata.jwks, (m) => new InvalidClient(m)), cached: false };
    const uri = this.uri(client);
    const entry = this.entries.get(uri);
    if (entry && entry.freshUntil > Date.now()) return { jwks: entry.jwks, cached: true };
    return { jwks: (await this.fetch(uri)).jwks, cached: false };
  }

  /**
   * The client's jwks_uri set fetched again, after an assertion named a key the cached one lacks; undefined when
   * it was fetched less than the cooldown ago (the key is then unknown for now).
   */
  async refetch(client: OAuthClient): Promise<JSONWebKeySet | undefined> {
    const uri = this.uri(client);
    const entry = this.entries.get(uri);
    if (entry && Date.now() - entry.fetchedAt < this.cooldownMs) return undefined;
    return (await this.fetch(uri)).jwks;
  }

  private uri(client: OAuthClient): string {
    const uri = client.metadata.jwks_uri;
    if (typeof uri !== 'string') throw new InvalidClient('this client registered no keys');
    return uri;
  }

  private fetch(uri: string): Promise<Entry> {
    let pending = this.fetching.get(uri);
    if (!pending) {
      pending = fetchClientJwks(this.ctx, uri)
        .then(({ jwks, ttlMs }) => {
          const now = Date.now();
          const entry = { jwks, fetchedAt: now, freshUntil: now + ttlMs };
          this.entries.delete(uri); // re-inserted last: the map's order is the order of fetching
          this.entries.set(uri, entry);
          if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
          return entry;
        })
        .finally(() => this.fetching.delete(uri));
      this.fetching.set(uri, pending);
    }
    return pending;
  }
}
