import type { Db } from './database.js';
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
 * a second on two cores, for a second writing connection; not done).
 *
 * `run` resolves true when the unit was written, false when its guard (first step) changed no row, in which
 * case it wrote nothing and the others still commit. A database error rolls the whole batch back, and every
 * caller gets it.
 */
export class GroupCommit {
  private queue: Pending[] = [];
  private scheduled = false;

  constructor(private readonly db: Db, private readonly maxBatch = 128) {}

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
    let written: boolean[];
    try {
      written = await this.db.transaction().execute(async (trx) => {
        const out: boolean[] = [];
        for (const p of batch) out.push(await runSteps(trx, p.steps));
        return out;
      });
    } catch (error) {
      for (const p of batch) p.reject(error);
      return;
    }
    batch.forEach((p, i) => p.resolve(written[i]));
  }
}

const commits = new WeakMap<object, GroupCommit>();

/** The group committer of a database (one per database). */
export function groupCommitOf(db: Db): GroupCommit {
  let g = commits.get(db);
  if (!g) commits.set(db, (g = new GroupCommit(db)));
  return g;
}
