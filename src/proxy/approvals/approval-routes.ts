import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext, Principal } from '../../kernel/index.js';
import { AppError } from '../../errors/index.js';
import { approvalErrors } from './approval-errors.js';
import { currentStatus, findApproval } from './approval-store.js';
import { approvalUrls } from './require-approval.js';

/**
 * `GET /proxy/approvals/{id}` for the agent that asked (the same bearer: the same token id, else 404):
 * `{ approval_id, status, expires_at, approve_url }`, status one of pending, approved, denied, used, expired.
 */
export async function approvalRoutes(
  app: FastifyInstance,
  ctx: AppContext,
  principalOf: (ctx: AppContext, request: FastifyRequest) => Promise<Principal>,
): Promise<void> {
  app.get<{ Params: { id: string } }>(
    '/proxy/approvals/:id',
    {
      schema: {
        tags: ['proxy'],
        summary: 'The status of an approval the caller asked for',
        security: [{ bearer: [] }],
        params: { type: 'object', properties: { id: { type: 'string', maxLength: 64 } }, required: ['id'] },
      },
    },
    async (request, reply) => {
      const principal = await principalOf(ctx, request);
      const row = await findApproval(ctx, request.params.id);
      if (!row || row.token_id !== principal.tokenId) throw new AppError(approvalErrors.ERR_PROXY_APPROVAL_UNKNOWN);
      reply.header('cache-control', 'no-store');
      return {
        approval_id: row.id,
        status: currentStatus(row),
        expires_at: new Date(Number(row.expires_at)).toISOString(),
        approve_url: approvalUrls(ctx, row.id).approve_url,
      };
    },
  );
}
