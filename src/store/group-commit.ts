import type { Db } from './database.js';
import { BUSY_TIMEOUT_MS, type SqliteHandle } from './sqlite-handle.js';
import { writeSqliteBatch } from './sqlite-batch.js';
import { checkUnit, runSteps, type WriteStep } from './write-step.js';

interface Pending {
  steps: readonly WriteStep[];
  resolve: (written: boolean) => void;
  reject: (e: unknown) => void;
}

/**
 * Group commit for hot writes (the token endpoint, audit batches): units of work queued in the same turn of the
 * event loop are written in ONE transaction, and each caller is answered only after that transaction
 * committed, so a response never reports a write that is not durable. One commit per batch instead of one per
 * request is what lets SQLite (and PostgreSQL) keep up. A unit's steps are plain data (a SQLite writer thread
 * gained too little to justify a second writing connection; not done: bench/README.md).
 * On SQLite a batch is written synchronously on the connection (no promise per statement) and never waits for a
 * lock held by another process (workers of a cluster share the file): it is retried on a later turn of the event
 * loop instead.
 *
 * `run` resolves true when the unit was written, false when its guard (first step) changed no row, in which
 * case it wrote nothing and the others still commit. A database error rolls the whole batch back, and every
 * caller gets it.
 */
export class GroupCommit {
  private queue: Pending[] = [];
  private scheduled = false;
  /** One batch is written at a time: the next is scheduled when it is done. */
  private flushing = false;
  /** When the lock was first found busy for the batch at the head of the queue (0: not busy). */
  private busySince = 0;
  private busyAttempts = 0;
  /**
   * @param sqlite the SQLite connection under `db` (undefined on PostgreSQL): batches are written on it directly
   */
  constructor(
    private readonly db: Db,
    private readonly sqlite?: SqliteHandle,
    private readonly maxBatch = 128,
  ) {}

  run(steps: readonly WriteStep[]): Promise<boolean> {
    checkUnit(steps); // before queueing: a malformed unit must not fail the others' batch
    return new Promise<boolean>((resolve, reject) => {
      this.queue.push({ steps, resolve, reject });
      this.schedule();
    });
  }

  /** The next flush: on the next turn of the event loop, or after `delayMs`. */
  private schedule(delayMs?: number): void {
    if (this.scheduled || this.flushing) return;
    this.scheduled = true;
    const flush = () => void this.flush();
    if (delayMs === undefined) setImmediate(flush);
    else setTimeout(flush, delayMs);
  }

  private async flush(): Promise<void> {
    this.scheduled = false;
    this.flushing = true;
    const batch = this.queue.splice(0, this.maxBatch);
    let written: boolean[] | undefined;
    let failure: { error: unknown } | undefined;
    try {
      written = this.sqlite ? await this.writeOnSqlite(this.sqlite, batch) : await this.writeInTransaction(batch);
    } catch (error) {
      failure = { error };
    }
    this.flushing = false;
    if (!written && !failure) {
      // another process holds SQLite's write lock: nothing was written
      this.busySince ||= Date.now();
      if (Date.now() - this.busySince <= BUSY_TIMEOUT_MS) {
        this.queue.unshift(...batch);
        // The other process's batch holds the lock for well under a millisecond: try again on the next turns of
        // the event loop (requests keep being served meanwhile), then every millisecond.
        this.schedule(++this.busyAttempts <= 8 ? undefined : 1);
        return;
      }
      const error = Object.assign(new Error('database is locked: another process held the write lock past the busy timeout'), {
        code: 'SQLITE_BUSY',
      });
      failure = { error };
    }
    this.busySince = 0;
    this.busyAttempts = 0;
    if (failure) for (const p of batch) p.reject(failure.error);
    else batch.forEach((p, i) => p.resolve(written![i]));
    if (this.queue.length) this.schedule();
  }

  /** SQLite: synchronously, inside Kysely's connection lock (no Kysely transaction can be open); undefined when busy. */
  private writeOnSqlite({ sqlite, shared }: SqliteHandle, batch: Pending[]): Promise<boolean[] | undefined> {
    return this.db.connection().execute(async () => {
      const outcome = writeSqliteBatch(
        sqlite,
        batch.map((p) => p.steps),
        shared,
      );
      return 'busy' in outcome ? undefined : outcome.written;
    });
  }

  private writeInTransaction(batch: Pending[]): Promise<boolean[]> {
    return this.db.transaction().execute(async (trx) => {
      const out: boolean[] = [];
      for (const p of batch) out.push(await runSteps(trx, p.steps));
      return out;
    });
  }
}
