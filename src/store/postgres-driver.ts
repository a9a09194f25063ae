import { createRequire } from 'node:module';
import type pg from 'pg';

const require = createRequire(import.meta.url);

/**
 * node-postgres, loaded when a PostgreSQL database is first opened: a gateway on SQLite never loads it (a few MB of
 * heap for as long as the process runs). int8 (bigint, count(*)) comes back as a string by default: our values are
 * epoch ms and counts, safe as numbers.
 */
export function postgresDriver(): typeof pg {
  const driver = require('pg') as typeof pg;
  driver.types.setTypeParser(20, (v) => Number(v));
  return driver;
}
