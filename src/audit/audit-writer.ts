import { groupCommitOf, preparedQuery, type Db, type Executor } from '../store/index.js';
import { randomId } from '../crypto/index.js';
import type { AuditEvent } from './event-types.js';
import { scrub } from './scrub.js';

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

const COLUMNS = ['id', 'created_at', 'action', 'result', 'actor_type', 'actor_id', 'user_id', 'target_type', 'target_id', 'ip', 'user_agent', 'detail'] as const;
const insertEvent = preparedQuery((db, slot) => db.insertInto('audit_events').values(
  Object.fromEntries(COLUMNS.map((c, i) => [c, slot(i)])) as unknown as AuditEventsTable,
));

const values = (row: AuditEventsTable) => COLUMNS.map((c) => row[c]);

function toRow(e: AuditEvent): AuditEventsTable {
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
    detail: JSON.stringify(scrub(e.detail ?? {})),
  };
}

/**
 * The durable audit writer. `record(trx, event)` writes inside the caller's transaction, so a change and the
 * event that records it commit together. `enqueue(event)` batches high-volume events (token use, proxy calls)
 * and writes them every `flushMs`; `flush()` runs on shutdown. Every event also reaches `onEvent` (metrics).
 */
export class AuditWriter {
  private queue: AuditEventsTable[] = [];
  private timer?: NodeJS.Timeout;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: Db,
    private readonly o: { flushMs: number; onEvent?: (e: AuditEvent) => void; onError?: (err: unknown) => void },
  ) {}

  /** Writes the event with `db` (pass the open transaction of the change it records). */
  async record(db: Executor, event: AuditEvent): Promise<void> {
    await insertEvent(db, values(toRow(event)));
    this.o.onEvent?.(event);
  }

  /** Queues the event for the next batch write. */
  enqueue(event: AuditEvent): void {
    this.queue.push(toRow(event));
    this.o.onEvent?.(event);
    if (this.queue.length >= 500) void this.flush();
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
        await groupCommitOf(this.db).run(batch.map((row) => insertEvent.step(this.db, values(row))));
      } catch (err) {
        this.o.onError?.(err);
      }
    });
    return this.flushing;
  }
}
