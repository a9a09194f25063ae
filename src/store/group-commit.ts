import { BUSY_TIMEOUT_MS, sqliteHandleOf, type Db, type SqliteHandle } from './database.js';
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
 * request is what lets SQLite (and PostgreSQL) keep up. A unit is a list of WriteSteps: plain data, so a
 * batch could also be shipped to another thread (a SQLite writer thread measured only ~10% more refreshes
 * a second on two cores, for a second writing connection; not done). On SQLite a batch is written
 * synchronously on the connection (no promise per statement) and never waits for a lock held by another
 * process (workers of a cluster share the file): it is retried on a later turn of the event loop instead.
 *
 * `run` resolves true when the unit was written, false when its guard (first step) changed no row, in which
 * case it wrote nothing and the others still commit. A database error rolls the whole batch back, and every
 * caller gets it.
 */
export class GroupCommit {
  private queue: Pending[] = [];
  private scheduled = false;
  private busyRetries = 0;
  private readonly sqlite: SqliteHandle | undefined;

  constructor(private readonly db: Db, private readonly maxBatch = 128) {
    this.sqlite = sqliteHandleOf(db);
  }

  run(steps: readonly WriteStep[]): Promise<boolean> {
    checkUnit(steps); // before queueing: a malformed unit must not fail the others' batch
    return new Promise<boolean>((resolve, reject) => {
      this.queue.push({ steps, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => void this.flush());
  }

  private async flush(): Promise<void> {
    this.scheduled = false;
    const batch = this.queue.splice(0, this.maxBatch);
    if (this.queue.length) this.schedule();
    let written: boolean[] | undefined;
    try {
      written = this.sqlite ? await this.writeOnSqlite(this.sqlite, batch) : await this.writeInTransaction(batch);
    } catch (error) {
      for (const p of batch) p.reject(error);
      return;
    }
    if (!written) { // another process holds SQLite's write lock: retry soon, without blocking the event loop
      this.queue.unshift(...batch);
      this.retry();
      return;
    }
    this.busyRetries = 0;
    batch.forEach((p, i) => p.resolve(written[i]));
  }

  /** SQLite: synchronously, inside Kysely's connection lock (no Kysely transaction can be open); undefined when busy. */
  private writeOnSqlite({ sqlite, shared }: SqliteHandle, batch: Pending[]): Promise<boolean[] | undefined> {
    return this.db.connection().execute(async () => {
      const outcome = writeSqliteBatch(sqlite, batch.map((p) => p.steps), shared);
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

  /**
   * The next attempt after a busy lock: on the next turn of the event loop at first (another process's batch
   * holds the lock for well under a millisecond), then after a millisecond, and after the busy timeout the batch
   * fails like a blocking write would.
   */
  private retry(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    const attempt = ++this.busyRetries;
    if (attempt > 8 + BUSY_TIMEOUT_MS) {
      this.busyRetries = 0;
      this.scheduled = false;
      const batch = this.queue.splice(0, this.maxBatch);
      for (const p of batch) p.reject(new Error('database is locked: another process held the write lock past the busy timeout'));
      if (this.queue.length) this.schedule();
      return;
    }
    if (attempt <= 8) setImmediate(() => void this.flush());
    else setTimeout(() => void this.flush(), 1);
  }
}

const commits = new WeakMap<object, GroupCommit>();

/** The group committer of a database (one per database). */
export function groupCommitOf(db: Db): GroupCommit {
  let g = commits.get(db);
  if (!g) commits.set(db, (g = new GroupCommit(db)));
  return g;
}
