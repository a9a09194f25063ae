import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AuthenticationResponseJSON } from '@simplewebauthn/server';
import type { AppContext } from '../../kernel/index.js';
import { AppError } from '../../errors/index.js';
import { boundAssertionOptions, requireCsrf, requireUser, verifyBoundAssertion } from '../../accounts/index.js';
import { findClient } from '../../oauth/index.js';
import { renderPage } from '../../web/index.js';
import { approvalErrors } from './approval-errors.js';
import { approvalInput, currentStatus, decideApproval, findApproval, pendingApprovals } from './approval-store.js';
import type { ProxyApprovalsTable } from './approval-tables.js';
import { ApprovalsPage, type ApprovalView } from './approvals-page.js';

/** The title of a loaded action (the plugin host's), or undefined when it is no longer loaded. */
export type ActionTitleOf = (plugin: string, action: string) => string | undefined;

const okMessages: Record<string, string> = { approved: 'Approved: the agent may now make that one call.', denied: 'Denied.' };

/** The names of an agent chain's clients (a removed one is said so). */
async function chainNames(ctx: AppContext, chain: string[]): Promise<string[]> {
  return Promise.all(chain.map(async (id) => (await findClient(ctx.db, id))?.name ?? 'a removed app'));
}

/** The page's view of one approval: names, the action's title, the exact arguments (opened here, never logged). */
async function viewOf(ctx: AppContext, row: ProxyApprovalsTable, titleOf: ActionTitleOf): Promise<ApprovalView> {
  // The agent chain (the current actor first); a delegation's own token names its agent as the client.
  const chain = JSON.parse(row.chain) as string[];
  if (!chain.length && row.client_id) chain.push(row.client_id);
  return {
    id: row.id,
    chain: chain.length ? await chainNames(ctx, chain) : ['your personal API token'],
    actionTitle: titleOf(row.plugin, row.action) ?? `${row.plugin}.${row.action}`,
    qualifiedName: `${row.plugin}.${row.action}`,
    argumentsText: JSON.stringify(approvalInput(ctx, row), null, 2),
    expiresAt: Number(row.expires_at),
  };
}

/** The person's own pending approval, or 404 (another person's is not there for them). */
async function ownPending(ctx: AppContext, id: string, userId: string): Promise<ProxyApprovalsTable> {
  const row = await findApproval(ctx, id);
  if (!row || row.user_id !== userId) throw new AppError(approvalErrors.ERR_PROXY_APPROVAL_UNKNOWN);
  const status = currentStatus(row);
  if (status === 'expired') throw new AppError(approvalErrors.ERR_PROXY_APPROVAL_EXPIRED);
  if (status !== 'pending') throw new AppError(approvalErrors.ERR_PROXY_APPROVAL_DECIDED);
  return row;
}

/**
 * `/account/approvals` (pending approvals), `POST /api/v1/me/approvals/{id}/options` (an assertion's options over the
 * approval's bound challenge, the person's passkeys only), `POST /api/v1/me/approvals/{id}/approve` (`{ response }`:
 * the assertion; then `{ redirect }`), `POST /account/approvals/{id}/deny` (a form; 303 back). All CSRF-checked.
 */
export async function approvalsPageRoutes(app: FastifyInstance, ctx: AppContext, titleOf: ActionTitleOf): Promise<void> {
  const uid = (r: FastifyRequest) => r.principal!.userId ?? '';
  const page = { schema: { hide: true }, preHandler: requireUser(ctx, { page: true }) };
  const form = { schema: { hide: true }, preHandler: [requireUser(ctx, { page: true }), requireCsrf] };
  const api = { schema: { hide: true }, preHandler: [requireUser(ctx), requireCsrf] };
  const audit = (request: FastifyRequest, row: ProxyApprovalsTable, action: string) =>
    ctx.audit.enqueue({
      action,
      result: 'success',
      actor: { type: 'user', id: row.user_id },
      userId: row.user_id,
      target: { type: 'approval', id: row.id },
      ip: request.ip,
      detail: { plugin: row.plugin, action: row.action, chain: JSON.parse(row.chain) },
    });

  app.get('/account/approvals', page, async (request, reply) => {
    const rows = await pendingApprovals(ctx, uid(request));
    const q = request.query as Record<string, unknown>;
    const error = typeof q.error === 'string' ? (ctx.registries.errorCodes.get(q.error)?.message ?? null) : null;
    return renderPage(reply, {
      title: 'Approvals',
      request,
      body: (
        <ApprovalsPage
          approvals={await Promise.all(rows.map((r) => viewOf(ctx, r, titleOf)))}
          csrfToken={request.csrfToken}
          ok={typeof q.ok === 'string' ? (okMessages[q.ok] ?? null) : null}
          error={error}
        />
      ),
    });
  });

  app.post<{ Params: { id: string } }>('/api/v1/me/approvals/:id/options', api, async (request) => {
    const row = await ownPending(ctx, request.params.id, uid(request));
    return boundAssertionOptions(ctx, row.user_id, row.challenge);
  });

  app.post<{ Params: { id: string }; Body: { response?: AuthenticationResponseJSON } }>(
    '/api/v1/me/approvals/:id/approve',
    api,
    async (request) => {
      const row = await ownPending(ctx, request.params.id, uid(request));
      const response = request.body?.response;
      if (!response || !(await verifyBoundAssertion(ctx, { userId: row.user_id, challenge: row.challenge, response })))
        throw new AppError(approvalErrors.ERR_PROXY_APPROVAL_PASSKEY);
      if (!(await decideApproval(ctx, row.id, row.user_id, 'approved'))) throw new AppError(approvalErrors.ERR_PROXY_APPROVAL_DECIDED);
      audit(request, row, 'proxy.approval_approved');
      return { redirect: '/account/approvals?ok=approved' };
    },
  );

  app.post<{ Params: { id: string } }>('/account/approvals/:id/deny', form, async (request, reply) => {
    try {
      const row = await ownPending(ctx, request.params.id, uid(request));
      if (await decideApproval(ctx, row.id, row.user_id, 'denied')) audit(request, row, 'proxy.approval_denied');
    } catch (e) {
      if (e instanceof AppError && e.status < 500) return reply.redirect(`/account/approvals?error=${e.code}`, 303);
      throw e;
    }
    return reply.redirect('/account/approvals?ok=denied', 303);
  });
}
