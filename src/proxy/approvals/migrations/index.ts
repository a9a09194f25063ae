import type { Migration } from 'kysely';
import * as approvals from './0002_approvals.js';
import * as approvalGrant from './0003_approval_grant.js';

/** The approvals' migrations (of the proxy module, after its baseline, src/proxy/policy/migrations). Add a file and one line; never edit a released one. */
export const approvalMigrations: Record<string, Migration> = { '0002_approvals': approvals, '0003_approval_grant': approvalGrant };
