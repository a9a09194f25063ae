import type { AppContext } from '../../kernel/index.js';
import { AppError } from '../../errors/index.js';
import { approvalErrors } from './approval-errors.js';
import { consumeApproval, createApproval, type AskedCall } from './approval-store.js';

/** The gateway's public base, without a trailing slash. */
const base = (ctx: AppContext) => ctx.config.publicUrl.replace(/\/+$/, '');

/** Where the agent polls an approval (with its bearer) and where the person approves it. */
export function approvalUrls(ctx: AppContext, id: string): { status_url: string; approve_url: string } {
  return { status_url: `${base(ctx)}/proxy/approvals/${id}`, approve_url: `${base(ctx)}/account/approvals#${id}` };
}

/**
 * The approval point of a call the policy asks about: without an approval id, records a pending approval and
 * throws 202 ERR_PROXY_APPROVAL_REQUIRED with `{ approval_id, status_url, approve_url, expires_at }` in its details
 * (nothing runs); with one, uses it (single use, same caller, action and arguments) or throws 403 naming why.
 * Returns the approval id the call ran under.
 */
export async function requireApproval(
  ctx: AppContext,
  call: AskedCall,
  approvalId: string | undefined,
  /** How the call came: the message says how to repeat it (an MCP tool call repeats with the same arguments). */
  o: { via?: 'http' | 'mcp' } = {},
): Promise<string> {
  const id = approvalId;
  if (id !== undefined) {
    await consumeApproval(ctx, id, call);
    ctx.audit.enqueue({
      action: 'proxy.approval_used',
      result: 'success',
      actor: call.principal.clientId ? { type: 'agent', id: call.principal.clientId } : { type: 'user', id: call.principal.userId },
      userId: call.principal.userId,
      target: { type: 'approval', id },
      detail: { plugin: call.plugin, action: call.action, chain: call.principal.chain },
    });
    return id;
  }
  const row = await createApproval(ctx, call);
  const urls = approvalUrls(ctx, row.id);
  const then =
    o.via === 'mcp'
      ? 'then call this tool again with the same arguments'
      : `then repeat the same call with the header Approval-Id: ${row.id} (or wait on status_url)`;
  throw new AppError(
    approvalErrors.ERR_PROXY_APPROVAL_REQUIRED,
    `The person asked to approve ${call.plugin}.${call.action} each time: nothing ran. Ask them to approve it with their passkey at ${urls.approve_url}, ${then}.`,
    { approval_id: row.id, ...urls, expires_at: new Date(Number(row.expires_at)).toISOString() },
  );
}
