import type { Compilable, CompiledQuery, QueryResult } from 'kysely';
import type { Executor } from './database.js';
import type { WriteStep } from './write-step.js';

const SLOT = '\u0000slot:';

/** A placeholder for the i-th value of a prepared query (typed `any` so it fits any column). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Slot = (i: number) => any;

/** A compiled query: run it (`query(db, values)`), or make it a step of a group commit (`query.step(db, values)`). */
export interface PreparedQuery<R> {
  (db: Executor, values: readonly unknown[]): Promise<QueryResult<R>>;
  /** The write step for GroupCommit.run, compiled for `db`'s dialect. `guard`: see WriteStep. */
  step(db: Executor, values: readonly unknown[], o?: { guard?: boolean }): WriteStep;
}

/**
 * A query of the hot paths, built and compiled by Kysely once per database (per dialect adapter) and then run
 * with new values: Kysely otherwise builds and compiles the same query tree on every call, which costs more
 * than running a small statement. `build` gets `slot(i)` placeholders; every value must be a slot (pass nulls
 * as values too). Run it on the database or on an open transaction.
 */
export function preparedQuery<R>(build: (db: Executor, slot: Slot) => Compilable<R>): PreparedQuery<R> {
  const compiled = new WeakMap<object, { query: CompiledQuery<R>; slots: number[] }>();
  const compile = (db: Executor) => {
    const adapter = db.getExecutor().adapter;
    let c = compiled.get(adapter);
    if (!c) {
      const query = build(db, (i) => `${SLOT}${i}`).compile();
      const slots = query.parameters.map((p) => {
        if (typeof p !== 'string' || !p.startsWith(SLOT)) throw new Error(`a prepared query has a value that is not a slot: ${query.sql}`);
        return Number(p.slice(SLOT.length));
      });
      compiled.set(adapter, (c = { query, slots }));
    }
    return c;
  };
  const run = (db: Executor, values: readonly unknown[]): Promise<QueryResult<R>> => {
    const c = compile(db);
    return db.executeQuery<R>({ ...c.query, parameters: c.slots.map((i) => values[i]) });
  };
  return Object.assign(run, {
    step(db: Executor, values: readonly unknown[], o: { guard?: boolean } = {}): WriteStep {
      const c = compile(db);
      return { sql: c.query.sql, parameters: c.slots.map((i) => values[i]), guard: o.guard };
    },
  });
}
