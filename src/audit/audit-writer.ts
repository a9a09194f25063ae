import { isDatabaseUnavailable, preparedInsert, type Db, type Executor, type GroupCommit, type WriteStep } from '../store/index.js';
import { randomId } from '../crypto/index.js';
import type { AuditEvent, AuditSink, EventType, Registry } from '../kernel/index.js';
import { redactSecrets } from './scrub.js';

export interface AuditEventsTable {
  id: string;
  created_at: number;
  action: string;
  result: string;
  actor_type: string;
  actor_id: string | null;
  user_id: string | null;
  target_type: string | null;
  target_id: string | null;
  ip: string | null;
  user_agent: string | null;
  detail: string;
}

declare module '../store/database.js' {
  interface Database {
    audit_events: AuditEventsTable;
  }
}

/**
 * A queued batch is written when it reaches this many events (or after `flushMs`). On SQLite a batch is written
 * synchronously (about 15 µs an event), so it holds the event loop: 500 at a time added ~10 ms to the proxy's p99 at
 * half load (bench/README.md); 64 keep that near 1 ms, and a commit more per 64 events costs next to nothing.
 */
const FLUSH_AT = 64;
/**
 * Queued events whose write failed because the database could not be reached (PostgreSQL restarting, SQLite
 * locked) are kept and written again every RETRY_MS, up to HELD_MAX of them (the newest kept): a blip of the
 * database does not lose the access log of the requests served just before it.
 */
const RETRY_MS = 1000;
const HELD_MAX = 10_000;

const insertEvent = preparedInsert('audit_events', [
  'id',
  'created_at',
  'action',
  'result',
  'actor_type',
  'actor_id',
  'user_id',
  'target_type',
  'target_id',
  'ip',
  'user_agent',
  'detail',
]);

/** The options of an AuditWriter. */
export interface AuditWriterOptions {
  /** Batching interval of `enqueue` (ms). */
  flushMs: number;
  /** Every event recorded (the metrics). */
  onEvent?: (e: AuditEvent) => void;
  onError?: (err: unknown) => void;
}

/**
 * The durable audit writer. `record(trx, event)` writes inside the caller's transaction and `step(event)` inside
 * its group-commit unit, so a change and the event that records it commit together. `write(event)` stores an
 * event of no change of its own that must be durable before the answer (in this turn's group commit: a batch of
 * every such event of the turn). `enqueue(event)` batches those that may wait (token use, refusals) and writes
 * them every `flushMs`; `flush()` runs on shutdown. Every event reaches `onEvent` (metrics). An action no module
 * declared is refused: a typo would otherwise be an event no access-log filter shows.
 */
export class AuditWriter implements AuditSink {
  private queue: AuditEventsTable[] = [];
  private timer?: NodeJS.Timeout;
  private flushing: Promise<void> = Promise.resolve();
  /** True while a batch waits for the database to come back: the next write is the retry, not every enqueue. */
  private retrying = false;

  constructor(
    private readonly db: Db,
    private readonly commits: GroupCommit,
    private readonly eventTypes: Registry<EventType>,
    private readonly o: AuditWriterOptions,
  ) {}

  private row(e: AuditEvent): AuditEventsTable {
    if (!this.eventTypes.has(e.action)) throw new Error(`audit event type ${e.action} is not declared by any module`);
    return {
      id: randomId('ev'),
      created_at: Date.now(),
      action: e.action,
      result: e.result ?? 'success',
      actor_type: e.actor.type,
      actor_id: e.actor.id ?? null,
      user_id: e.userId ?? null,
      target_type: e.target?.type ?? null,
      target_id: e.target?.id ?? null,
      ip: e.ip ?? null,
      user_agent: e.userAgent?.slice(0, 512) ?? null,
      detail: JSON.stringify(e.detail ?? {}, redactSecrets),
    };
  }

  async record(db: Executor, event: AuditEvent): Promise<void> {
    await insertEvent(db, this.row(event));
    this.o.onEvent?.(event);
  }

  step(event: AuditEvent): WriteStep {
    return insertEvent.step(this.db, this.row(event));
  }

  committed(events: readonly AuditEvent[]): void {
    for (const e of events) this.o.onEvent?.(e);
  }

  async write(event: AuditEvent): Promise<void> {
    const row = this.row(event);
    try {
      await this.commits.run([insertEvent.step(this.db, row)]);
    } catch (err) {
      this.o.onError?.(err);
      if (isDatabaseUnavailable(err)) this.retryLater([row]);
    }
    this.o.onEvent?.(event);
  }

  enqueue(event: AuditEvent): void {
    this.queue.push(this.row(event));
    this.o.onEvent?.(event);
    if (this.queue.length >= FLUSH_AT && !this.retrying) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), this.o.flushMs);
  }

  /**
   * Writes everything queued as one unit of the database's group commit (one commit for the batch: the
   * per-person index takes a page write per person and commit, not per event; shared with the token
   * endpoint's writes under load); resolves when it is stored.
   */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.queue;
    this.queue = [];
    this.flushing = this.flushing.then(async () => {
      if (!batch.length) return;
      try {
        await this.commits.run(batch.map((row) => insertEvent.step(this.db, row)));
        this.retrying = false;
      } catch (err) {
        this.o.onError?.(err);
        if (isDatabaseUnavailable(err)) this.retryLater(batch);
      }
    });
    return this.flushing;
  }

  /** Puts a batch the database could not take back at the head of the queue, and flushes again in RETRY_MS. */
  private retryLater(batch: AuditEventsTable[]): void {
    this.queue = [...batch, ...this.queue].slice(-HELD_MAX);
    this.retrying = true;
    if (this.timer) return;
    this.timer = setTimeout(() => void this.flush(), RETRY_MS);
    this.timer.unref(); // a gateway stopping while the database is down does not wait for it
  }
}
