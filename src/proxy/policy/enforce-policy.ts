import { sql } from 'kysely';
import type { AppContext, Principal } from '../../kernel/index.js';
import { AppError } from '../../errors/index.js';
import type { Executor } from '../../store/index.js';
import type { HostedAction } from '../hosted-action.js';
import { describeRate } from './describe-policy.js';
import { policyErrors } from './policy-errors.js';
import { lineagePolicies } from './lineage-policies.js';
import type { ActionPolicy, PolicyConstraint, PolicyRate } from './policy-types.js';
import './policy-tables.js';

const PERIOD_MS: Record<PolicyRate['per'], number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };

/** What the policy decided for a call that passed: the constraints applied (named) and whether the person must approve it. */
export interface PolicyDecision {
  constraints: string[];
  approvalRequired: boolean;
}

/** One rate to count: under which grant, for which policy key, how many per window. */
interface CountedRate {
  grantId: string;
  key: string;
  rate: PolicyRate;
}

/**
 * The grants whose policies bind a call: an API token's own id; an access token's lineage (its grant — consent
 * grant, refresh family or delegation — and every token it was exchanged from). A sub-delegated or exchanged token
 * is bound by every policy along it: it can only narrow.
 */
export function policyGrantIds(principal: Principal): string[] {
  if (principal.kind === 'api_token') return [principal.tokenId];
  return [...new Set(principal.lineage ?? [])];
}

/**
 * Enforces the policies along the caller's lineage and the action's defaults, as their intersection: every
 * constraint must hold (403 ERR_PROXY_POLICY naming it), every rate must have room (429 ERR_PROXY_RATE_LIMITED with
 * `Retry-After`, naming the limit), and approval is required if any asks. Calls are counted (in the database, shared
 * by every instance) only when they pass every check, an asked one when it is asked (`withApproval`: its repeat with
 * the approval is not counted again). A stored policy that cannot be read refuses (fail-closed).
 */
export async function enforcePolicy(
  ctx: AppContext,
  principal: Principal,
  hosted: HostedAction,
  input: unknown,
  o: { withApproval?: boolean } = {},
): Promise<PolicyDecision> {
  let ids: string[], stored;
  try {
    ({ ids, stored } = await lineagePolicies(ctx, policyGrantIds(principal)));
  } catch (e) {
    ctx.log.warn({ err: e instanceof Error ? e.message : String(e), action: hosted.qualifiedName }, 'unreadable stored proxy policy');
    throw new AppError(
      policyErrors.ERR_PROXY_POLICY,
      `The policy stored for this grant cannot be read, so ${hosted.qualifiedName} is refused; the person can set it again.`,
    );
  }
  const { qualifiedName, action } = hosted;
  const keys = qualifiedName === action.scope ? [qualifiedName] : [qualifiedName, action.scope];
  const applied: { grantId: string; key: string; policy: ActionPolicy }[] = [];
  const defaults = action.policy?.defaults;
  if (defaults && ids[0] !== undefined) applied.push({ grantId: ids[0], key: `default:${qualifiedName}`, policy: defaults });
  for (const id of ids) {
    const p = stored.get(id);
    if (!p) continue;
    for (const k of keys) if (p.actions[k]) applied.push({ grantId: id, key: k, policy: p.actions[k] });
  }
  if (!applied.length) return { constraints: [], approvalRequired: false }; // no policy binds this call
  const names: string[] = [];
  for (const a of applied)
    for (const c of a.policy.constraints ?? []) {
      const broken = checkConstraint(c, input);
      if (broken) throw new AppError(policyErrors.ERR_PROXY_POLICY, `${hosted.qualifiedName}: ${broken}.`, { constraint: c.kind });
      names.push(constraintName(c));
    }
  const rates: CountedRate[] = applied.flatMap((a) => (a.policy.rate ? [{ grantId: a.grantId, key: a.key, rate: a.policy.rate }] : []));
  const approvalRequired = applied.some((a) => a.policy.ask === true);
  // An asked call is counted when it is asked (the 202); its repeat with the approval is the same call.
  if (rates.length && !(approvalRequired && o.withApproval)) await countCall(ctx, hosted.qualifiedName, rates);
  return { constraints: [...new Set(names)], approvalRequired };
}

/** Why the input breaks the constraint, or null when it holds. */
function checkConstraint(c: PolicyConstraint, input: unknown): string | null {
  const obj = (typeof input === 'object' && input !== null ? input : {}) as Record<string, unknown>;
  switch (c.kind) {
    case 'allow': {
      const v = obj[c.field];
      const text = typeof v === 'string' || typeof v === 'number' ? String(v) : undefined;
      return text !== undefined && c.values.includes(text) ? null : `${c.field} is not one of the values this grant allows`;
    }
    case 'path': {
      const path = typeof obj.path === 'string' ? obj.path : '';
      const normalized = new URL(path, 'http://x').pathname;
      if (!path.startsWith('/') || normalized !== path.split(/[?#]/)[0] || !normalized.startsWith(c.prefix))
        return `the path must start with ${c.prefix}`;
      const method = (typeof obj.method === 'string' ? obj.method : 'GET').toUpperCase();
      return !c.methods || c.methods.includes(method) ? null : `the method must be ${c.methods.join(' or ')}`;
    }
    case 'max_length': {
      const v = obj[c.field];
      return typeof v !== 'string' || [...v].length <= c.max ? null : `${c.field} may be at most ${c.max} characters`;
    }
  }
}

/** A constraint's short name, for the audit event. */
function constraintName(c: PolicyConstraint): string {
  return c.kind === 'path' ? `path:${c.prefix}` : `${c.kind}:${c.field}`;
}

/**
 * Counts one call against every rate, in one transaction: each counter is incremented only while below its limit
 * (an atomic upsert, shared by every instance on the database); one without room rolls the others back and refuses.
 */
async function countCall(ctx: AppContext, action: string, rates: CountedRate[], now = Date.now()): Promise<void> {
  try {
    await ctx.db.transaction().execute(async (trx) => {
      for (const r of rates) await increment(trx, r, Math.floor(now / PERIOD_MS[r.rate.per]) * PERIOD_MS[r.rate.per]);
    });
  } catch (e) {
    if (!(e instanceof RateFull)) throw e;
    const { rate } = e.counted;
    const err = new AppError(policyErrors.ERR_PROXY_RATE_LIMITED, `${action}: ${describeRate(rate)}.`, {
      limit: rate.count,
      per: rate.per,
    });
    err.retryAfter = Math.max(1, Math.ceil((e.windowStart + PERIOD_MS[rate.per] - now) / 1000));
    throw err;
  }
}

/** Takes one count, or throws RateFull (rolling the transaction back) when the window has no room. */
async function increment(db: Executor, r: CountedRate, windowStart: number): Promise<void> {
  const row = await db
    .insertInto('proxy_rate_counts')
    .values({ grant_id: r.grantId, action: r.key, window_start: windowStart, count: 1 })
    .onConflict((oc) =>
      oc
        .columns(['grant_id', 'action', 'window_start'])
        .doUpdateSet({ count: sql`proxy_rate_counts.count + 1` })
        .where('proxy_rate_counts.count', '<', r.rate.count),
    )
    .returning('count')
    .executeTakeFirst();
  if (!row) throw new RateFull(r, windowStart);
}

class RateFull extends Error {
  constructor(
    readonly counted: CountedRate,
    readonly windowStart: number,
  ) {
    super('rate full');
  }
}
