import type { AppContext } from '../../kernel/index.js';
import './policy-tables.js';

/** The longest rate window (a day): a window that started before `now` minus this has ended, whatever its period. */
const LONGEST_WINDOW_MS = 86_400_000;

/** Deletes the rate counters of windows that have ended (started over a day ago); returns the rows deleted. */
export async function pruneRateCounts(ctx: AppContext, now = Date.now()): Promise<number> {
  const res = await ctx.db
    .deleteFrom('proxy_rate_counts')
    .where('window_start', '<', now - LONGEST_WINDOW_MS)
    .executeTakeFirst();
  return Number(res.numDeletedRows);
}
