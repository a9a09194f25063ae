import { CompiledQuery } from 'kysely';
import type { Executor } from './database.js';

/**
 * One statement of a unit of work for GroupCommit: plain data (SQL compiled for the database's dialect, and
 * its values). `guard`: the statement must change exactly one row, else the unit stops there
 * (allowed only as a unit's first step, so a stopped unit has written nothing).
 */
export interface WriteStep {
  sql: string;
  parameters: readonly unknown[];
  guard?: boolean;
}

/**
 * A write made once per batch of a group commit from what its units contributed: `steps(items)` gets the items
 * of the units that were written (not of those their guard stopped), in queue order, and returns the statements
 * that store them, run last in the same transaction. One row (or one cipher operation) for a whole batch
 * instead of one per unit: e.g. the grace window's sealed copies of rotated refresh-token pairs.
 */
export interface BatchSink<T> {
  /** Optional: called with the items of every unit of a batch before its transaction begins (work that need not hold the lock). */
  prepare?(items: T[]): void;
  steps(items: T[]): WriteStep[];
}

/** What a unit adds to a batch-level write. Make it with `sinkItem`, which keeps the item's type tied to its sink. */
export interface SinkItem {
  sink: BatchSink<unknown>;
  item: unknown;
}

export function sinkItem<T>(sink: BatchSink<T>, item: T): SinkItem {
  return { sink: sink as BatchSink<unknown>, item };
}

/** The items of a batch's units by sink, of the units `written` says were written (all without it). */
function bySink(items: ReadonlyArray<readonly SinkItem[]>, written?: readonly boolean[]): Map<BatchSink<unknown>, unknown[]> {
  const out = new Map<BatchSink<unknown>, unknown[]>();
  items.forEach((unitItems, i) => {
    if (written && !written[i]) return;
    for (const { sink, item } of unitItems) {
      const list = out.get(sink);
      if (list) list.push(item);
      else out.set(sink, [item]);
    }
  });
  return out;
}

/** Lets every sink of a batch prepare its items, before the batch's transaction begins. */
export function prepareSinks(items: ReadonlyArray<readonly SinkItem[]>): void {
  for (const [sink, list] of bySink(items)) sink.prepare?.(list);
}

/** The statements of every sink of a batch, from the items of its written units (`written[i]` for `items[i]`). */
export function sinkSteps(items: ReadonlyArray<readonly SinkItem[]>, written: readonly boolean[]): WriteStep[] {
  return [...bySink(items, written)].flatMap(([sink, list]) => sink.steps(list));
}

/** Throws unless a unit's guard, if any, is its first step. */
export function checkUnit(steps: readonly WriteStep[]): void {
  if (steps.some((s, i) => s.guard && i > 0)) throw new Error('a guard must be the first step of its unit');
}

/** True when `step` is a guard that did not change exactly one row: its unit stops there, having written nothing. */
export function guardStopped(step: WriteStep, changes: number): boolean {
  return step.guard === true && changes !== 1;
}

/** Runs a unit's steps with `db` (an open transaction); false when its guard stopped it (nothing written). */
export async function runSteps(db: Executor, steps: readonly WriteStep[]): Promise<boolean> {
  checkUnit(steps);
  for (const step of steps) {
    const res = await db.executeQuery(CompiledQuery.raw(step.sql, [...step.parameters]));
    if (guardStopped(step, Number(res.numAffectedRows ?? 0))) return false;
  }
  return true;
}
