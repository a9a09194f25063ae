import type { Migration } from 'kysely';
import * as m0001 from './0001_foundation.js';
import * as m0002 from './0002_tokens.js';
import * as m0003 from './0003_accounts.js';
import * as m0004 from './0004_oauth.js';
import * as m0005 from './0005_tokens_agents.js';
import * as m0006 from './0006_token_write_path.js';
import * as m0007 from './0007_session_passkey.js';
import * as m0008 from './0008_cheaper_rotation.js';
import * as m0009 from './0009_family_tokens_by_lineage.js';
import * as m0010 from './0010_derived_successors.js';

/** Every migration, in order. Add a new file `NNNN_what.ts` and one line here; never edit a released one. */
export const migrations: Record<string, Migration> = {
  '0001_foundation': m0001,
  '0002_tokens': m0002,
  '0003_accounts': m0003,
  '0004_oauth': m0004,
  '0005_tokens_agents': m0005,
  '0006_token_write_path': m0006,
  '0007_session_passkey': m0007,
  '0008_cheaper_rotation': m0008,
  '0009_family_tokens_by_lineage': m0009,
  '0010_derived_successors': m0010,
};
