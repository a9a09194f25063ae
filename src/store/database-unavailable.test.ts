import { describe, expect, it } from 'vitest';
import { isDatabaseUnavailable } from './database-unavailable.js';

const err = (message: string, fields: Record<string, unknown> = {}) => Object.assign(new Error(message), fields);

describe('isDatabaseUnavailable', () => {
  it('knows a database that is down, restarting, full or cut off, and SQLite locked', () => {
    for (const e of [
      err('connect ECONNREFUSED 127.0.0.1:5432', { code: 'ECONNREFUSED', syscall: 'connect' }),
      err('read ECONNRESET', { code: 'ECONNRESET' }),
      err('terminating connection due to administrator command', { code: '57P01' }),
      err('the database system is shutting down', { code: '57P03' }),
      err('the database system is starting up', { code: '57P03' }),
      err('sorry, too many clients already', { code: '53300' }),
      err('connection failure', { code: '08006' }),
      err('Connection terminated unexpectedly'),
      err('timeout exceeded when trying to connect'),
      err('database is locked', { code: 'SQLITE_BUSY' }),
      err('a batch failed', { cause: err('x', { code: '57P01' }) }),
      new AggregateError([err('connect ECONNREFUSED ::1:5432', { code: 'ECONNREFUSED' })], ''),
    ])
      expect(isDatabaseUnavailable(e), e.message).toBe(true);
  });

  it('leaves every other error alone: a bug or bad data stays a 500, an upstream that is down is not the database', () => {
    for (const e of [
      new Error('boom'),
      new TypeError("Cannot read properties of undefined (reading 'x')"),
      err('duplicate key value violates unique constraint', { code: '23505' }),
      err('syntax error at or near "selec"', { code: '42601' }),
      err('UNIQUE constraint failed: users.id', { code: 'SQLITE_CONSTRAINT_UNIQUE' }),
      err('fetch failed', { cause: err('connect ECONNREFUSED 10.0.0.1:443', { code: 'ECONNREFUSED' }) }),
      // a client that hung up mid-body (Node's request 'aborted'): its connection, not the database's
      err('aborted', { code: 'ECONNRESET', statusCode: 400 }),
      undefined,
      'ECONNREFUSED',
    ])
      expect(isDatabaseUnavailable(e), String(e)).toBe(false);
  });
});
