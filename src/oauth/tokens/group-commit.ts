import type { Db, Tx } from '../../store/index.js';
import { OAuthError } from '../../errors/index.js';

/** Thrown by a unit of work that stopped before writing anything (so the rest of its batch may commit). */
export class StoppedBeforeWrite extends Error {
  override name = 'StoppedBeforeWrite';
}

interface Pending {
  fn: (trx: Tx) => Promise<unknown>;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

/**
 * Group commit for the token endpoint's hot paths: units of work queued in the same turn of the event loop run
 * one after another in ONE transaction, and each caller is answered only after that transaction committed, so
 * a response never reports a write that is not durable. One commit per batch instead of one per request is what
 * lets SQLite (and PostgreSQL) keep up with a busy token endpoint.
 *
 * Contract for `fn`: it either completes, or throws an OAuthError or StoppedBeforeWrite having left nothing
 * written (before its first write, or after taking its own writes back; that error goes to its caller alone;
 * the others still commit). Any other error (a database error) rolls the
 * whole batch back, and every caller gets it. A unit must not itself wait for a group commit (it would wait
 * for the batch it is part of).
 */
export class GroupCommit {
  private queue: Pending[] = [];
  private scheduled = false;

  constructor(private readonly db: Db, private readonly maxBatch = 128) {}

  run<T>(fn: (trx: Tx) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ fn, resolve: resolve as (v: unknown) => void, reject });
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
    const outcomes: Array<{ ok: true; value: unknown } | { ok: false; error: unknown }> = [];
    try {
      await this.db.transaction().execute(async (trx) => {
        for (const item of batch) {
          try {
            outcomes.push({ ok: true, value: await item.fn(trx) });
          } catch (error) {
            if (!(error instanceof OAuthError || error instanceof StoppedBeforeWrite)) throw error;
            outcomes.push({ ok: false, error });
          }
        }
      });
    } catch (error) {
      for (const item of batch) item.reject(error);
      return;
    }
    batch.forEach((item, i) => {
      const o = outcomes[i];
      if (o.ok) item.resolve(o.value);
      else item.reject(o.error);
    });
  }
}

const commits = new WeakMap<object, GroupCommit>();

/** The group committer of a database (one per app). */
export function groupCommitOf(db: Db): GroupCommit {
  let g = commits.get(db);
  if (!g) commits.set(db, (g = new GroupCommit(db)));
  return g;
}
