import { repeatWhileOpen, WindowCounter } from '../../store/index.js';
import { OAuthError } from '../../errors/index.js';
import { addressKey } from '../../kernel/index.js';

export interface ClientAuthFailuresOptions {
  /** Failures one client_id may have in a window; 0: no limit per client. */
  perClient: number;
  /** Failures one client address may have in a window; 0: no limit per address. */
  perAddress: number;
  /** The window, in milliseconds; a count starts at its first failure. */
  windowMs: number;
  /** The counts' name on the shared table (`client-auth`, `api-key-auth`): each user counts its own. */
  scope: string;
  /** How many watched clients and addresses are kept at most (the map stays bounded whatever an attacker sends). */
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

/** How often an instance learns the buckets other instances have filled (ms). */
const POLL_MS = 1000;

/**
 * Failed client authentications, counted per client_id and per client address in fixed windows (starting at a
 * count's first failure) on the gateway's database (WindowCounter), so every instance and worker on one database
 * counts the same failures: past a limit every attempt of that client or from that address, even a correct one,
 * is refused until its window ends, whichever instance it reaches, so a client secret cannot be guessed at the
 * speed of the token endpoint.
 *
 * Only failures are written. A request costs nothing more while nothing has failed lately: the shared count is
 * read only for a client or address this instance has seen fail in a live window, or that the shared table says
 * is full (polled every second, so an instance that has seen none of the failures refuses within a second). A
 * database error fails the request (503 while the database is unreachable) rather than letting it through
 * unlimited.
 */
export class ClientAuthFailures {
  /** Buckets with a failure in a live window (seen here, or full elsewhere), with the end of that window. */
  private readonly suspects = new Map<string, number>();
  private readonly maxEntries: number;

  constructor(
    private readonly counter: WindowCounter,
    private readonly o: ClientAuthFailuresOptions,
  ) {
    this.maxEntries = o.maxEntries ?? 50_000;
  }

  /** Throws TooManyFailedAuthentications when the client (if named) or the address is past its limit. */
  async refuseIfLimited(clientId: string | undefined, address: string, now = Date.now()): Promise<void> {
    if (this.suspects.size === 0) return;
    for (const [bucket, max] of this.buckets(clientId, address)) {
      const until = this.suspects.get(bucket);
      if (until === undefined) continue;
      if (until <= now) {
        this.suspects.delete(bucket);
        continue;
      }
      const full = await this.counter.isFull(bucket, max, now);
      if (full !== undefined) throw new TooManyFailedAuthentications(Math.max(1, Math.ceil((full - now) / 1000)));
    }
  }

  /** Counts one failed authentication of `clientId` (when one was named) from `address`. */
  async failed(clientId: string | undefined, address: string, now = Date.now()): Promise<void> {
    for (const [bucket, max] of this.buckets(clientId, address)) {
      const c = await this.counter.take(bucket, max, this.o.windowMs, now);
      this.suspect(bucket, c.endsAt, now);
    }
  }

  /** How many clients and addresses are watched (0: nothing has failed lately, so nothing needs checking). */
  get size(): number {
    return this.suspects.size;
  }

  /**
   * Learns, every second, the buckets other instances have filled, so this one refuses them too before it sees
   * a failure of its own. Returns the stop.
   */
  watch(onError: (err: unknown) => void, everyMs = POLL_MS): () => Promise<void> {
    const scopes = (
      [
        [`${this.o.scope}.c`, this.o.perClient],
        [`${this.o.scope}.a`, this.o.perAddress],
      ] as const
    ).filter(([, max]) => max > 0);
    if (!scopes.length) return async () => undefined;
    const poll = async () => {
      const now = Date.now();
      for (const [scope, max] of scopes)
        for (const full of await this.counter.atLeast(scope, max, 1000, now)) this.suspect(full.bucket, full.endsAt, now);
    };
    return repeatWhileOpen(everyMs, poll, onError);
  }

  private *buckets(clientId: string | undefined, address: string): Generator<[string, number]> {
    if (this.o.perClient > 0 && clientId !== undefined) yield [WindowCounter.bucket(`${this.o.scope}.c`, clientId), this.o.perClient];
    if (this.o.perAddress > 0) yield [WindowCounter.bucket(`${this.o.scope}.a`, addressKey(address)), this.o.perAddress];
  }

  /** Watches `bucket` until its window ends (the map stays bounded: ended ones first, else the oldest tenth). */
  private suspect(bucket: string, until: number, now: number): void {
    if (!this.suspects.has(bucket) && this.suspects.size >= this.maxEntries) {
      let drop = Math.max(1, Math.floor(this.maxEntries / 10));
      for (const [b, u] of this.suspects) {
        if (u > now && drop-- <= 0) break;
        this.suspects.delete(b);
      }
    }
    this.suspects.set(bucket, until);
  }
}
