/** Node socket errors of a connection that could not be made or was cut. */
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
/**
 * PostgreSQL SQLSTATEs of a server that is going away or not taking connections: class 08 (connection exception),
 * 57P01 admin shutdown, 57P02 crash shutdown, 57P03 cannot connect now (starting up), 53300 too many connections.
 */
const SQLSTATES = /^(08...|57P0[123]|53300)$/;
/** What node-postgres and pg-pool throw themselves when the connection is gone or cannot be had in time. */
const PG_MESSAGES =
  /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Client was closed and is not queryable)/;
/** SQLite's lock errors once busy_timeout has run out: another writer holds the file. */
const SQLITE_CODES = new Set(['SQLITE_BUSY', 'SQLITE_LOCKED']);

/**
 * True when `err` (or an error in its `cause` chain) means the database cannot be reached right now rather than a
 * fault of the request or the code: PostgreSQL down, restarting or refusing connections, the connection cut, or
 * SQLite locked past its busy timeout. The error handler answers these with 503 and Retry-After, not 500.
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  // A client error Node or Fastify already classified (the request `aborted` mid-body is ECONNRESET with status
  // 400) is the client's connection, not the database's.
  const status = (err as { statusCode?: unknown } | null)?.statusCode;
  if (typeof status === 'number' && status < 500) return false;
  for (let e = err, depth = 0; e && typeof e === 'object' && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const { code, message } = e as { code?: unknown; message?: unknown };
    // A socket error counts only as the error itself (node-postgres throws it so), not as the cause of another
    // (`fetch failed` of an upstream call is not the database).
    if (typeof code === 'string' && ((depth === 0 && SOCKET_CODES.has(code)) || SQLSTATES.test(code) || SQLITE_CODES.has(code)))
      return true;
    if (typeof message === 'string' && PG_MESSAGES.test(message)) return true;
    if (e instanceof AggregateError && e.errors.some(isDatabaseUnavailable)) return true;
  }
  return false;
}
