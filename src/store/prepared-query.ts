import type SQLite from 'better-sqlite3';
import type { Compilable, CompiledQuery, QueryResult } from 'kysely';
import type { Database, Executor } from './database.js';
import type { WriteStep } from './write-step.js';
import { sqliteUnder } from './sqlite-handle.js';

const SLOT = '\u0000slot:';

/** A placeholder for the named value of a prepared query (typed `any` so it fits any column). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Slot<P extends string> = (name: P) => any;

/**
 * A compiled query: run it (`query(db, values)`), or make it a step of a group commit (`query.step(db, values)`).
 * Values are given by name, never by position.
 */
export interface PreparedQuery<V, R = unknown> {
  (db: Executor, values: V): Promise<QueryResult<R>>;
  /** The write step for GroupCommit.run, compiled for `db`'s dialect. `guard`: see WriteStep. */
  step(db: Executor, values: V, o?: { guard?: boolean }): WriteStep;
}

/**
 * A query of the hot paths, built and compiled by Kysely once per database (per dialect adapter) and then run
 * with new values: Kysely otherwise builds and compiles the same query tree on every call, which costs more
 * than running a small statement. `build` gets `slot(name)` placeholders for the `names` declared; every value
 * must be a slot (pass nulls as values too). Run it on the database or on an open transaction.
 */
export function preparedQuery<P extends string, R>(
  names: readonly P[],
  build: (db: Executor, slot: Slot<P>) => Compilable<R>,
): PreparedQuery<Record<P, unknown>, R> {
  const compiled = new WeakMap<object, { query: CompiledQuery<R>; slots: P[] }>();
  const compile = (db: Executor) => {
    const adapter = db.getExecutor().adapter;
    let c = compiled.get(adapter);
    if (!c) {
      const query = build(db, (name) => {
        if (!names.includes(name)) throw new Error(`a prepared query uses the undeclared value ${name}`);
        return `${SLOT}${name}`;
      }).compile();
      const slots = query.parameters.map((p) => {
        if (typeof p !== 'string' || !p.startsWith(SLOT)) throw new Error(`a prepared query has a value that is not a slot: ${query.sql}`);
        return p.slice(SLOT.length) as P;
      });
      compiled.set(adapter, (c = { query, slots }));
    }
    return c;
  };
  const run = (db: Executor, values: Record<P, unknown>): Promise<QueryResult<R>> => {
    const c = compile(db);
    const parameters = c.slots.map((name) => values[name]);
    const sqlite = sqliteUnder(db);
    if (sqlite && !sqlite.inTransaction) return runNow<R>(sqlite, c.query.sql, parameters);
    return db.executeQuery<R>({ ...c.query, parameters });
  };
  return Object.assign(run, {
    step(db: Executor, values: Record<P, unknown>, o: { guard?: boolean } = {}): WriteStep {
      const c = compile(db);
      return { sql: c.query.sql, parameters: c.slots.map((name) => values[name]), guard: o.guard };
    },
  });
}

/**
 * Runs a statement on SQLite at once, as Kysely's driver does once it holds the connection (the same result).
 * Only when no transaction is open on the connection: Kysely's lock is there so that nothing runs between the
 * statements of an open transaction (it would see that transaction's uncommitted writes); with none open, a
 * synchronous statement cannot interleave with anything, so waiting for the lock buys nothing and costs its
 * promises and allocations on the hot reads (every proxied call, every refresh). Inside a transaction, Kysely's way.
 */
function runNow<R>(sqlite: SQLite.Database, sql: string, parameters: unknown[]): Promise<QueryResult<R>> {
  try {
    const stmt = sqlite.prepare(sql);
    if (stmt.reader) return Promise.resolve({ rows: stmt.all(parameters) as R[] });
    const { changes, lastInsertRowid } = stmt.run(parameters);
    return Promise.resolve({ numAffectedRows: BigInt(changes), insertId: BigInt(lastInsertRowid), rows: [] });
  } catch (e) {
    return Promise.reject(e);
  }
}

/**
 * A prepared insert of one row of `table` into `columns`: its values are a row object of the table's own type,
 * so a renamed or retyped column does not compile.
 */
export function preparedInsert<T extends keyof Database & string, C extends keyof Database[T] & string>(
  table: T,
  columns: readonly C[],
): PreparedQuery<{ [K in C]: Database[T][K] }> {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const insert = preparedQuery(columns, (db, slot) =>
    (db as any).insertInto(table).values(Object.fromEntries(columns.map((c) => [c, slot(c)]))),
  );
  return insert as PreparedQuery<{ [K in C]: Database[T][K] }>;
}
