import { sha256 } from '../../crypto/index.js';
import { OAuthError } from '../../errors/index.js';

export interface ClientAuthFailuresOptions {
  /** Failures one client_id may have in a window; 0: no limit per client. */
  perClient: number;
  /** Failures one client address may have in a window; 0: no limit per address. */
  perAddress: number;
  /** The window, in milliseconds; a count starts at its first failure. */
  windowMs: number;
  /** How many counts are kept at most (the map stays bounded whatever an attacker sends). */
  maxEntries?: number;
}

/**
 * RFC 6749 has no error code for a rate limit: `invalid_client` would tell a client with the right secret that
 * its credentials are wrong, and `temporarily_unavailable` is for the authorization endpoint and a busy server.
 * So: HTTP 429 (RFC 6585 §4) with Retry-After, in OAuth's error shape, code `too_many_requests` (the status's name).
 */
export class TooManyFailedAuthentications extends OAuthError {
  constructor(retryAfter: number) {
    super(429, 'too_many_requests', `too many failed client authentications: retry in ${retryAfter} s`);
    this.retryAfter = retryAfter;
  }
}

interface Count {
  failures: number;
  /** When the window of this count ends, epoch ms. */
  until: number;
}

/**
 * Failed client authentications, counted per client_id and per client address in fixed windows: past a limit
 * every attempt of that client or from that address, even a correct one, is refused until its window ends, so a
 * client secret cannot be guessed at the speed of the token endpoint. Only failures are counted; a request
 * costs nothing more while nothing has failed. In memory and per app: in a cluster each worker counts its own,
 * and the limits are each worker's share of the configured ones.
 */
export class ClientAuthFailures {
  private readonly counts = new Map<string, Count>();
  private readonly maxEntries: number;

  constructor(private readonly o: ClientAuthFailuresOptions) {
    this.maxEntries = o.maxEntries ?? 50_000;
  }

  /** Throws TooManyFailedAuthentications when the client (if named) or the address is past its limit. */
  refuseIfLimited(clientId: string | undefined, address: string, now = Date.now()): void {
    if (this.counts.size === 0) return;
    for (const [key, max] of this.keys(clientId, address)) {
      const c = this.counts.get(key);
      if (c && c.until > now && c.failures >= max) throw new TooManyFailedAuthentications(Math.ceil((c.until - now) / 1000));
    }
  }

  /** Counts one failed authentication of `clientId` (when one was named) from `address`. */
  failed(clientId: string | undefined, address: string, now = Date.now()): void {
    for (const [key] of this.keys(clientId, address)) {
      const c = this.counts.get(key);
      if (c && c.until > now) c.failures++;
      else {
        if (c)
          this.counts.delete(key); // re-inserted last: the map's order stays the order of the windows' ends
        else if (this.counts.size >= this.maxEntries) this.prune(now);
        this.counts.set(key, { failures: 1, until: now + this.o.windowMs });
      }
    }
  }

  /** How many counts are kept (0: nothing has failed lately, so nothing needs checking). */
  get size(): number {
    return this.counts.size;
  }

  private *keys(clientId: string | undefined, address: string): Generator<[string, number]> {
    // a long id (a made-up one can be as long as the body limit) is kept as its hash, so no count is large
    if (this.o.perClient > 0 && clientId !== undefined)
      yield [clientId.length > 128 ? `h ${sha256(clientId)}` : `c ${clientId}`, this.o.perClient];
    if (this.o.perAddress > 0) yield [`a ${address}`, this.o.perAddress];
  }

  /** Drops ended windows (the oldest come first); if all are live, the oldest tenth, so a flood cannot grow the map. */
  private prune(now: number): void {
    let drop = Math.max(1, Math.floor(this.maxEntries / 10));
    for (const [key, c] of this.counts) {
      if (c.until > now && drop-- <= 0) break;
      this.counts.delete(key);
    }
  }
}
