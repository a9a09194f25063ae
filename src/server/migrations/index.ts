import type { Migration } from 'kysely';
import * as baseline from './0001_baseline.js';

/** The gateway's own migrations, in order. Add a new file `NNNN_what.ts` and one line here; never edit a released one. */
export const migrations: Record<string, Migration> = { '0001_baseline': baseline };
