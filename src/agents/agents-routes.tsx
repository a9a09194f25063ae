import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../server/context.js';
import { requireCsrf, requireUser, requestMeta } from '../accounts/index.js';
import { renderPage } from '../web/index.js';
import { registerAgent } from './register-agent.js';
import { createDelegation } from './create-delegation.js';
import { delegationStatus } from './delegation-status.js';
import { revokeByToken } from './revoke-delegation.js';
import { listAgents } from './list-agents.js';
import { revokeAgentAccess } from './revoke-agent-access.js';
import { AgentsPage } from './agents-page.js';

const security: Array<Record<string, string[]>> = [{ session: [] }, { bearer: [] }];
const body = (r: FastifyRequest) => (r.body && typeof r.body === 'object' ? (r.body as Record<string, unknown>) : {});

/**
 * The Proxyme API made safe (register_agent, delegate, validate_delegation, revoke_delegation), the person's
 * agents as JSON, and the /account/agents page.
 */
export async function agentsRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const tags = ['agents'];
  const userOf = (r: FastifyRequest) => r.principal!.userId ?? '';

  app.post('/register_agent', {
    preHandler: [requireUser(ctx, { scope: 'agents.manage' }), requireCsrf],
    schema: { tags, summary: 'Register an agent (an OAuth client you own); the secret is in this response only', security },
  }, async (request, reply) => reply.code(201).header('cache-control', 'no-store').send(await registerAgent(ctx, request.principal!, body(request), requestMeta(request))));

  app.post('/delegate', {
    preHandler: [requireUser(ctx, { scope: 'delegate' }), requireCsrf],
    schema: { tags, summary: 'Delegate some of your rights to an agent for a limited time', security },
  }, async (request, reply) => reply.code(201).header('cache-control', 'no-store').send(await createDelegation(ctx, request.principal!, body(request), requestMeta(request))));

  app.post('/validate_delegation', { schema: { tags, summary: 'Is this delegation token valid? Invalid ones answer valid: false with a reason' } },
    async (request, reply) => reply.header('cache-control', 'no-store').send(await delegationStatus(ctx, body(request).delegation_token)));

  app.post('/revoke_delegation', { schema: { tags, summary: 'Revoke a delegation token (and everything exchanged from it)' } },
    async (request, reply) => {
      const out = await revokeByToken(ctx, body(request).delegation_token, requestMeta(request));
      return reply.code(out.status === 'revoked' ? 200 : 400).send(out);
    });

  app.get('/api/v1/me/agents', { preHandler: requireUser(ctx, { scope: 'agents.manage' }), schema: { tags, summary: 'Your agents, their delegations and exchanged descendants', security } },
    async (request) => listAgents(ctx, userOf(request)));

  app.post('/api/v1/me/agents/:id/revoke', {
    preHandler: [requireUser(ctx, { scope: 'agents.manage' }), requireCsrf],
    schema: { tags, summary: 'Revoke everything of yours an agent holds, and everything derived from it', security, params: { type: 'object', properties: { id: { type: 'string', maxLength: 2048 } } } },
  }, async (request) => ({ revoked: await revokeAgentAccess(ctx, userOf(request), (request.params as { id: string }).id, requestMeta(request)) }));

  // ── the page ──
  const page = requireUser(ctx, { page: true });
  const show = async (request: FastifyRequest, reply: FastifyReply, extra: { ok?: string; error?: string } = {}) => {
    const agents = await listAgents(ctx, userOf(request));
    const names = new Map(agents.map((a) => [a.clientId, a.name]));
    return renderPage(reply, { title: 'Agents', request, body: <AgentsPage agents={agents} names={names} csrfToken={request.csrfToken} {...extra} /> });
  };
  app.get('/account/agents', { schema: { hide: true }, preHandler: page }, (request, reply) => show(request, reply));
  app.post('/account/agents/:id/revoke', { schema: { hide: true }, preHandler: [page, requireCsrf] }, async (request, reply) => {
    const n = await revokeAgentAccess(ctx, userOf(request), (request.params as { id: string }).id, requestMeta(request));
    return show(request, reply, { ok: `Access revoked (${n} token${n === 1 ? '' : 's'}).` });
  });
}
