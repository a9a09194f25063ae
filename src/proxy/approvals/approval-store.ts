import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import type { AppContext, Principal } from '../../kernel/index.js';
import { AppError } from '../../errors/index.js';
import { open, randomId, seal } from '../../crypto/index.js';
import { approvalErrors } from './approval-errors.js';
import type { ApprovalStatus, ProxyApprovalsTable } from './approval-tables.js';
import { inputDigest } from './input-digest.js';
import { policyGrantIds } from '../policy/index.js';
import './approval-tables.js';

/** What an asked call is: who asks and what, with the validated input. */
export interface AskedCall {
  principal: Principal;
  plugin: string;
  action: string;
  input: unknown;
}

/** The additional authenticated data of an approval's sealed input: it opens only in its own row. */
const aadOf = (id: string) => `proxy_approvals:${id}`;

/**
 * The WebAuthn challenge of one approval: SHA-256 of its id, the caller (token id and agent chain), the action, the
 * input's digest and the expiry, so an assertion made for one approval cannot approve another.
 */
export function approvalChallenge(
  row: Pick<ProxyApprovalsTable, 'id' | 'token_id' | 'chain' | 'plugin' | 'action' | 'input_digest' | 'expires_at'>,
): string {
  return createHash('sha256')
    .update([row.id, row.token_id, row.chain, `${row.plugin}.${row.action}`, row.input_digest, String(Number(row.expires_at))].join('\n'))
    .digest('base64url');
}

/** The grant an asked call counts against: the root of the caller's lineage (its consent, family or delegation), or its API token. */
function grantOf(p: Principal): string {
  return policyGrantIds(p)[0] ?? p.tokenId;
}

/** 429 ERR_PROXY_APPROVAL_TOO_MANY, with Retry-After until the grant's oldest pending approval expires. */
async function tooMany(ctx: AppContext, grantId: string, now: number): Promise<AppError> {
  const max = ctx.config.proxyApprovalMaxPending;
  const oldest = await ctx.db
    .selectFrom('proxy_approvals')
    .select('expires_at')
    .where('grant_id', '=', grantId)
    .where('status', '=', 'pending')
    .where('expires_at', '>', now)
    .orderBy('expires_at', 'asc')
    .executeTakeFirst();
  const err = new AppError(
    approvalErrors.ERR_PROXY_APPROVAL_TOO_MANY,
    `${max} calls of this grant are already waiting for the person's approval: nothing was asked. Retry once they decided some, or some expired.`,
    { max_pending: max },
  );
  err.retryAfter = Math.max(1, Math.ceil(((oldest ? Number(oldest.expires_at) : now + 1000) - now) / 1000));
  return err;
}

/**
 * Records a pending approval of this call (the person has `OAUTH3_PROXY_APPROVAL_TTL` seconds); returns the row.
 * Refused (429, Retry-After until the oldest expires) when its grant has `OAUTH3_PROXY_APPROVAL_MAX_PENDING` pending,
 * unexpired approvals already. The cap holds under concurrent asks: one conditional INSERT … SELECT … WHERE
 * (pending < cap), and on PostgreSQL (where concurrent statements each count what their snapshot holds) a
 * transaction-scoped advisory lock on the grant first, so the asks of one grant are counted one after the other.
 */
export async function createApproval(ctx: AppContext, call: AskedCall, now = Date.now()): Promise<ProxyApprovalsTable> {
  const id = randomId('apr_');
  const p = call.principal;
  const grantId = grantOf(p);
  const base = {
    id,
    user_id: p.userId!,
    token_id: p.tokenId,
    client_id: p.clientId,
    chain: JSON.stringify(p.chain),
    plugin: call.plugin,
    action: call.action,
    input_digest: inputDigest(call.input),
    expires_at: now + ctx.config.proxyApprovalTtl * 1000,
  };
  const row: ProxyApprovalsTable = {
    ...base,
    grant_id: grantId,
    input_sealed: seal(ctx.masterKey, JSON.stringify(call.input ?? null), aadOf(id)),
    status: 'pending',
    challenge: approvalChallenge(base),
    created_at: now,
    decided_at: null,
    used_at: null,
  };
  const max = ctx.config.proxyApprovalMaxPending;
  const inserted = await ctx.db.transaction().execute(async (trx) => {
    if (ctx.dialect === 'postgres')
      await sql`select pg_advisory_xact_lock(hashtextextended(${`proxy_approvals:${grantId}`}, 0))`.execute(trx);
    const res = await sql`insert into proxy_approvals
        (id, user_id, token_id, client_id, grant_id, chain, plugin, action, input_digest, input_sealed, status, challenge, created_at, expires_at)
      select ${row.id}, ${row.user_id}, ${row.token_id}, ${row.client_id}, ${row.grant_id}, ${row.chain}, ${row.plugin}, ${row.action},
        ${row.input_digest}, ${row.input_sealed}, ${row.status}, ${row.challenge}, cast(${now} as bigint), cast(${row.expires_at} as bigint)
      where (select count(*) from proxy_approvals where grant_id = ${grantId} and status = 'pending' and expires_at > ${now}) < ${max}`.execute(
      trx,
    );
    return Number(res.numAffectedRows ?? 0);
  });
  if (inserted !== 1) throw await tooMany(ctx, grantId, now);
  return row;
}

/** One approval by id, or undefined. */
export async function findApproval(ctx: AppContext, id: string): Promise<ProxyApprovalsTable | undefined> {
  return ctx.db.selectFrom('proxy_approvals').selectAll().where('id', '=', id).executeTakeFirst();
}

/** The status as it stands now: a pending or approved one past its expiry is expired. */
export function currentStatus(row: Pick<ProxyApprovalsTable, 'status' | 'expires_at'>, now = Date.now()): ApprovalStatus {
  return (row.status === 'pending' || row.status === 'approved') && Number(row.expires_at) <= now ? 'expired' : row.status;
}

/** The validated input the approval was asked for (opened for the person's page; never logged). */
export function approvalInput(ctx: AppContext, row: ProxyApprovalsTable): unknown {
  return JSON.parse(open(ctx.masterKeys, row.input_sealed, aadOf(row.id)).toString('utf8'));
}

/**
 * Uses the approval for this call, atomically: it must be for the same caller (token id and chain), the same
 * plugin and action and the same input digest, approved and unexpired; one conditional UPDATE moves it from
 * approved to used, so of two calls with it one runs and the other is refused. Throws 403 naming why, or 404.
 */
export async function consumeApproval(ctx: AppContext, id: string, call: AskedCall, now = Date.now()): Promise<void> {
  const row = await findApproval(ctx, id);
  if (!row) throw new AppError(approvalErrors.ERR_PROXY_APPROVAL_UNKNOWN);
  const p = call.principal;
  if (
    row.user_id !== p.userId ||
    row.token_id !== p.tokenId ||
    row.chain !== JSON.stringify(p.chain) ||
    row.plugin !== call.plugin ||
    row.action !== call.action
  )
    throw new AppError(
      approvalErrors.ERR_PROXY_APPROVAL_MISMATCH,
      'This approval was asked by another caller or for another action: call again for a new one.',
    );
  if (row.input_digest !== inputDigest(call.input))
    throw new AppError(
      approvalErrors.ERR_PROXY_APPROVAL_MISMATCH,
      'The arguments differ from the ones the person approved: call again for a new approval.',
    );
  const res = await ctx.db
    .updateTable('proxy_approvals')
    .set({ status: 'used', used_at: now })
    .where('id', '=', id)
    .where('status', '=', 'approved')
    .where('expires_at', '>', now)
    .executeTakeFirst();
  if (Number(res.numUpdatedRows) === 1) return;
  const again = (await findApproval(ctx, id)) ?? row;
  throw new AppError(refusalOf(currentStatus(again, now)));
}

/** The code refusing an approval that is not (or no longer) approved. */
function refusalOf(status: ApprovalStatus) {
  switch (status) {
    case 'denied':
      return approvalErrors.ERR_PROXY_APPROVAL_DENIED;
    case 'used':
      return approvalErrors.ERR_PROXY_APPROVAL_USED;
    case 'expired':
      return approvalErrors.ERR_PROXY_APPROVAL_EXPIRED;
    default:
      return approvalErrors.ERR_PROXY_APPROVAL_PENDING;
  }
}

/**
 * The person's decision on their own pending, unexpired approval (one conditional UPDATE: a decided one stays as it
 * is). Returns whether it changed.
 */
export async function decideApproval(
  ctx: AppContext,
  id: string,
  userId: string,
  decision: 'approved' | 'denied',
  now = Date.now(),
): Promise<boolean> {
  const res = await ctx.db
    .updateTable('proxy_approvals')
    .set({ status: decision, decided_at: now })
    .where('id', '=', id)
    .where('user_id', '=', userId)
    .where('status', '=', 'pending')
    .where('expires_at', '>', now)
    .executeTakeFirst();
  return Number(res.numUpdatedRows) === 1;
}

/** The person's pending, unexpired approvals, newest first. */
export async function pendingApprovals(ctx: AppContext, userId: string, now = Date.now()): Promise<ProxyApprovalsTable[]> {
  return ctx.db
    .selectFrom('proxy_approvals')
    .selectAll()
    .where('user_id', '=', userId)
    .where('status', '=', 'pending')
    .where('expires_at', '>', now)
    .orderBy('created_at', 'desc')
    .execute();
}

/** The id of an approved, unexpired approval of exactly this call (same token, chain, action and input), if any. */
export async function approvedFor(ctx: AppContext, call: AskedCall, now = Date.now()): Promise<string | undefined> {
  const row = await ctx.db
    .selectFrom('proxy_approvals')
    .select('id')
    .where('token_id', '=', call.principal.tokenId)
    .where('chain', '=', JSON.stringify(call.principal.chain))
    .where('plugin', '=', call.plugin)
    .where('action', '=', call.action)
    .where('input_digest', '=', inputDigest(call.input))
    .where('status', '=', 'approved')
    .where('expires_at', '>', now)
    .orderBy('created_at', 'asc')
    .executeTakeFirst();
  return row?.id;
}
