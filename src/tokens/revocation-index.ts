import type pg from 'pg';
import { sql } from 'kysely';
import { CONNECT_TIMEOUT_MS, postgresDriver, type Db, type Dialect, type Executor } from '../store/index.js';

export interface RevokedTokensTable {
  token_id: string;
  /** When the token would have expired anyway (epoch ms); rows past it can be pruned. Null: never expires. */
  expires_at: number | null;
  revoked_at: number;
}

declare module '../store/database.js' {
  interface Database {
    revoked_tokens: RevokedTokensTable;
  }
}

/** PostgreSQL channel on which instances announce revocations to each other. */
export const REVOCATION_CHANNEL = 'oauth3_revocations';
/** NOTIFY payloads must stay under 8000 bytes; bigger revocations send "sync" and listeners re-read the table. */
const MAX_PAYLOAD = 7000;

export interface RevocationIndexOptions {
  /** Polling interval (ms): the fallback on PostgreSQL, the only path on SQLite. */
  pollMs: number;
  dialect?: Dialect;
  /** PostgreSQL URL: when set, a dedicated connection LISTENs for revocations of other instances. */
  listenUrl?: string;
  /** The other processes of a cluster on this machine: told of each revocation at once, like NOTIFY. */
  peers?: RevocationPeers;
  onError?: (err: unknown) => void;
}

/** A channel to the other workers of a cluster (the gateway's PeerBus). */
export interface RevocationPeers {
  publish(topic: string, data: unknown): void;
  subscribe(topic: string, fn: (data: unknown) => void): void;
}

const PEER_TOPIC = 'revocations';

/**
 * Revoked token ids held in memory, so the verifier answers "revoked?" without a query. A revoke writes a
 * row (in the caller's transaction) and updates this instance at once. On PostgreSQL it also NOTIFYs (delivered
 * when the transaction commits, dropped if it rolls back) and every instance LISTENs, so a revoke takes effect
 * everywhere on the next request; polling `revoked_at` every `pollMs` remains the fallback (and the SQLite path).
 * The workers of a cluster on one machine also tell each other directly (`peers`), on either database.
 */
export class RevocationIndex {
  private revoked = new Map<string, number | null>();
  private seenUntil = 0;
  private timer?: NodeJS.Timeout;
  private listener?: pg.Client;
  private stopped = false;
  private reconnect?: NodeJS.Timeout;
  /** Re-reads started in the background and not yet ended. */
  private readonly syncing = new Set<Promise<void>>();
  /** True while the LISTEN connection is up. */
  listening = false;
  /**
   * Bumped whenever an id is added. A cached verification remembers the version it was checked at: if nothing
   * was revoked since, the answer still holds without a lookup (so the cost does not grow with the index).
   */
  version = 0;

  constructor(
    private readonly db: Db,
    private readonly o: RevocationIndexOptions,
  ) {}

  /** Loads every unexpired revocation, starts polling and (PostgreSQL) listening. */
  async start(): Promise<void> {
    await this.sync();
    this.timer = setInterval(() => this.syncInBackground(), this.o.pollMs);
    this.timer.unref();
    this.o.peers?.subscribe(PEER_TOPIC, (entries) => {
      try {
        this.add(entries as Array<[string, number | null]>);
      } catch (e) {
        this.o.onError?.(e);
      }
    });
    if (this.o.listenUrl)
      await this.listen(this.o.listenUrl).catch((e) => {
        this.o.onError?.(e);
        this.retryListen();
      });
  }

  /** Stops polling and listening; resolves once the re-reads in flight have ended (before the database closes). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    if (this.reconnect) clearTimeout(this.reconnect);
    this.listening = false;
    void this.listener?.end().catch(() => undefined);
    await Promise.all(this.syncing);
  }

  /** A re-read nobody awaits (the poll, a notification), tracked so that `stop` can wait for it. */
  private syncInBackground(): void {
    if (this.stopped) return;
    const run: Promise<void> = this.sync()
      .catch((e) => this.o.onError?.(e))
      .finally(() => this.syncing.delete(run));
    this.syncing.add(run);
  }

  private async listen(url: string): Promise<void> {
    const client = new (postgresDriver().Client)({ connectionString: url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS, keepAlive: true });
    this.listener = client;
    client.on('notification', (m) => this.onNotification(m.payload));
    const lost = (e?: unknown) => {
      if (e) this.o.onError?.(e);
      if (this.listener !== client) return;
      this.listening = false;
      this.listener = undefined;
      this.retryListen();
    };
    client.on('error', lost);
    client.on('end', () => lost());
    await client.connect();
    await client.query(`LISTEN ${REVOCATION_CHANNEL}`);
    this.listening = true;
    if (!this.stopped) await this.sync(); // anything revoked while we were not listening
  }

  private retryListen(): void {
    if (this.stopped || this.reconnect || !this.o.listenUrl) return;
    this.reconnect = setTimeout(() => {
      this.reconnect = undefined;
      if (!this.stopped)
        void this.listen(this.o.listenUrl!).catch((e) => {
          this.o.onError?.(e);
          this.retryListen();
        });
    }, 1000);
    this.reconnect.unref();
  }

  private onNotification(payload: string | undefined): void {
    if (!payload || payload === 'sync') {
      this.syncInBackground();
      return;
    }
    try {
      this.add(JSON.parse(payload) as Array<[string, number | null]>);
    } catch {
      this.syncInBackground();
    }
  }

  /** Adds announced revocations (from NOTIFY or a peer worker); throws on a malformed list, adding nothing. */
  private add(entries: Array<[string, number | null]>): void {
    if (!Array.isArray(entries) || !entries.every((e) => Array.isArray(e) && typeof e[0] === 'string'))
      throw new Error('malformed revocation list');
    for (const [id, exp] of entries) this.revoked.set(id, typeof exp === 'number' ? exp : null);
    this.version++;
  }

  /** Reads revocations newer than the last seen (or all unexpired on the first call). */
  async sync(): Promise<void> {
    const now = Date.now();
    let q = this.db.selectFrom('revoked_tokens').selectAll();
    if (this.seenUntil)
      q = q.where('revoked_at', '>=', this.seenUntil - 5000); // overlap covers clock skew and late commits
    else q = q.where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]));
    const rows = await q.execute();
    for (const r of rows) {
      this.revoked.set(r.token_id, r.expires_at === null ? null : Number(r.expires_at));
      this.seenUntil = Math.max(this.seenUntil, Number(r.revoked_at));
    }
    if (rows.length) this.version++;
    if (!this.seenUntil) this.seenUntil = now;
  }

  /** True when the id was revoked. O(1), no I/O. */
  has(tokenId: string): boolean {
    return this.revoked.has(tokenId);
  }

  /** True when any of the ids was revoked (a token, its grant, its ancestors). No I/O. */
  hasAny(ids: readonly string[]): boolean {
    for (let i = 0; i < ids.length; i++) if (this.revoked.has(ids[i])) return true;
    return false;
  }

  /**
   * Revokes ids (writes with `db`, pass the transaction of the change); effective here and on the other workers
   * of a cluster at once (even if the transaction then rolls back: the safe side), and on other instances when
   * the transaction commits (PostgreSQL NOTIFY) or at their next poll.
   */
  async revoke(db: Executor, tokens: Array<{ id: string; expiresAt: number | null }>): Promise<void> {
    if (tokens.length === 0) return;
    const now = Date.now();
    for (const t of tokens) this.revoked.set(t.id, t.expiresAt);
    this.version++;
    for (let i = 0; i < tokens.length; i += 200) {
      await db
        .insertInto('revoked_tokens')
        .values(tokens.slice(i, i + 200).map((t) => ({ token_id: t.id, expires_at: t.expiresAt, revoked_at: now })))
        .onConflict((oc) => oc.column('token_id').doNothing())
        .execute();
    }
    const entries = tokens.map((t): [string, number | null] => [t.id, t.expiresAt]);
    this.o.peers?.publish(PEER_TOPIC, entries);
    if (this.o.dialect === 'postgres') {
      const json = JSON.stringify(entries);
      await sql`select pg_notify(${REVOCATION_CHANNEL}, ${json.length <= MAX_PAYLOAD ? json : 'sync'})`.execute(db);
    }
  }

  /** Drops expired entries from memory and the table. */
  async prune(): Promise<void> {
    const now = Date.now();
    for (const [id, exp] of this.revoked) if (exp !== null && exp < now) this.revoked.delete(id);
    await this.db.deleteFrom('revoked_tokens').where('expires_at', '<', now).execute();
  }

  get size(): number {
    return this.revoked.size;
  }
}
