import type { Migration } from 'kysely';
import * as baseline from './0001_baseline.js';
import * as resourceIntrospector from './0002_resource_introspector.js';
import * as codeAuthTime from './0003_code_auth_time.js';
import * as clientAssertions from './0004_client_assertions.js';

/** The oauth module's migrations, in order. Add a new file `NNNN_what.ts` and one line here; never edit a released one. */
export const migrations: Record<string, Migration> = {
  '0001_baseline': baseline,
  '0002_resource_introspector': resourceIntrospector,
  '0003_code_auth_time': codeAuthTime,
  '0004_client_assertions': clientAssertions,
};
