import type { Migration } from 'kysely';
import * as baseline from './0001_baseline.js';
import * as accessTokenExpiry from './0002_access_token_expiry.js';

/** The tokens module's migrations, in order. Add a new file `NNNN_what.ts` and one line here; never edit a released one. */
export const migrations: Record<string, Migration> = { '0001_baseline': baseline, '0002_access_token_expiry': accessTokenExpiry };
