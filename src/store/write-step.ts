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
