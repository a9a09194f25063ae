import type { Compilable } from 'kysely';
import type { WriteStep } from './write-step.js';

/** A Kysely query as a group-commit step (compiled now, for the dialect of the database it was built on). */
export function writeStepOf(query: Compilable, o: { guard?: boolean } = {}): WriteStep {
  const c = query.compile();
  return { sql: c.sql, parameters: c.parameters, guard: o.guard };
}
