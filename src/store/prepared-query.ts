import type { Compilable, CompiledQuery, QueryResult } from 'kysely';
import type { Executor } from './database.js';

const SLOT = '\u0000slot:';

/** A placeholder for the i-th value of a prepared query (typed `any` so it fits any column). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Slot = (i: number) => any;

/**
 * A query of the token endpoint's hot paths, built and compiled by Kysely once per database (per dialect adapter)
 * and then run with new values: Kysely otherwise builds and compiles the same query tree on every call, which
 * costs more than running a small statement. `build` gets `slot(i)` placeholders; every value must be a slot
 * (pass nulls as values too). Run it on the database or on an open transaction.
 */
export function preparedQuery<R>(build: (db: Executor, slot: Slot) => Compilable<R>): (db: Executor, values: readonly unknown[]) => Promise<QueryResult<R>> {
  const compiled = new WeakMap<object, { query: CompiledQuery<R>; slots: number[] }>();
  return (db, values) => {
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
    return db.executeQuery({ ...c.query, parameters: c.slots.map((i) => values[i]) });
  };
}
