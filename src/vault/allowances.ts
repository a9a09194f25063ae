import type { AppContext } from '../kernel/index.js';
import type { Executor } from '../store/index.js';
import './tables.js';

/** A server the person allowed to use one of their connections. */
export interface Allowance {
  provider: string;
  server: string;
  created_at: number;
}

/** Whether the person allowed `server` to use their connection of `provider`. */
export async function isAllowed(db: Executor, userId: string, provider: string, server: string): Promise<boolean> {
  const row = await db
    .selectFrom('vault_allowances')
    .select('server')
    .where('user_id', '=', userId)
    .where('provider', '=', provider)
    .where('server', '=', server)
    .executeTakeFirst();
  return !!row;
}

/** Records that the person allowed `server` (idempotent), audited, in `db` (the caller's transaction, if any). */
export async function allow(ctx: AppContext, db: Executor, userId: string, provider: string, server: string): Promise<void> {
  const inserted = await db
    .insertInto('vault_allowances')
    .values({ user_id: userId, provider, server, created_at: Date.now() })
    .onConflict((oc) => oc.doNothing())
    .executeTakeFirst();
  if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) > 0) {
    await ctx.audit.record(db, {
      action: 'vault.allowed',
      actor: { type: 'user', id: userId },
      userId,
      target: { type: 'server', id: server },
      detail: { provider },
    });
  }
}

/** Takes back an allowance, audited; true when there was one. */
export function disallow(ctx: AppContext, userId: string, provider: string, server: string): Promise<boolean> {
  return ctx.db.transaction().execute(async (trx) => {
    const res = await trx
      .deleteFrom('vault_allowances')
      .where('user_id', '=', userId)
      .where('provider', '=', provider)
      .where('server', '=', server)
      .executeTakeFirst();
    if (Number(res.numDeletedRows) === 0) return false;
    await ctx.audit.record(trx, {
      action: 'vault.disallowed',
      actor: { type: 'user', id: userId },
      userId,
      target: { type: 'server', id: server },
      detail: { provider },
    });
    return true;
  });
}

/** The servers allowed to use each of the person's connections. */
export function allowancesOf(db: Executor, userId: string): Promise<Allowance[]> {
  return db.selectFrom('vault_allowances').select(['provider', 'server', 'created_at']).where('user_id', '=', userId).execute();
}
