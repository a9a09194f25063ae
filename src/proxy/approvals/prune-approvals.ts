import type { AppContext } from '../../kernel/index.js';
import './approval-tables.js';

/**
 * How long an approval is kept past its expiry: its status_url still answers "expired" (or how it was decided) to
 * a late agent for a day, then it answers 404.
 */
const KEPT_AFTER_EXPIRY_MS = 86_400_000;

/**
 * Deletes approvals that can never be used again and are past their keeping: pending, approved, denied or used
 * alike, once their expiry is a day old (an approval cannot run after its expiry). Returns the rows deleted.
 */
export async function pruneApprovals(ctx: AppContext, now = Date.now()): Promise<number> {
  const res = await ctx.db
    .deleteFrom('proxy_approvals')
    .where('expires_at', '<', now - KEPT_AFTER_EXPIRY_MS)
    .executeTakeFirst();
  return Number(res.numDeletedRows);
}
