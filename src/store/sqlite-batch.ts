import type SQLite from 'better-sqlite3';
import { BUSY_TIMEOUT_MS } from './sqlite-handle.js';
import { guardStopped, type WriteStep } from './write-step.js';

/** What writing a batch on SQLite came to: each unit written (true) or stopped by its guard (false), or busy. */
export type SqliteBatchOutcome = { written: boolean[] } | { busy: true };

const isBusy = (e: unknown) => (e as { code?: string }).code === 'SQLITE_BUSY';

/**
 * Writes a batch of units in one transaction, synchronously, on a better-sqlite3 connection. The caller holds
 * Kysely's connection lock, so no Kysely transaction is open on it. When other processes write the file too
 * (`shared`: the workers of a cluster), `BEGIN IMMEDIATE` takes the write lock without waiting: if another
 * process holds it, the answer is `busy` at once and nothing was written, so the caller retries on a later turn
 * of the event loop instead of blocking it in SQLite's busy handler (which sleeps a millisecond or more at a
 * time). A statement error rolls the batch back and throws.
 */
export function writeSqliteBatch(sqlite: SQLite.Database, units: ReadonlyArray<readonly WriteStep[]>, shared: boolean): SqliteBatchOutcome {
  if (shared) {
    // PRAGMA busy_timeout acts when compiled, so it goes through pragma() (compiled each time), not a cached statement.
    sqlite.pragma('busy_timeout = 0');
    try {
      sqlite.prepare('BEGIN IMMEDIATE').run();
    } catch (e) {
      if (isBusy(e)) return { busy: true };
      throw e;
    } finally {
      sqlite.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    }
  } else {
    sqlite.prepare('BEGIN IMMEDIATE').run();
  }
  try {
    const run = (step: WriteStep) => sqlite.prepare(step.sql).run(step.parameters as unknown[]).changes;
    const written = units.map((steps) => !steps.some((step) => guardStopped(step, run(step))));
    sqlite.prepare('COMMIT').run();
    return { written };
  } catch (e) {
    if (sqlite.inTransaction) sqlite.prepare('ROLLBACK').run();
    throw e;
  }
}
