import type { Migration } from 'kysely';
import * as baseline from './0001_baseline.js';

/** The mcp plugin's migrations. Add a file and one line; never edit a released one. */
export const frontedMigrations: Record<string, Migration> = { '0001_baseline': baseline };
