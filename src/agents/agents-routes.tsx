import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../kernel/index.js';
import { requireCsrf, requireUser, requestMeta } from '../accounts/index.js';
import { renderPage } from '../web/index.js';
import { registerAgent } from './register-agent.js';
import { createDelegation } from './create-delegation.js';
import { delegationStatus } from './delegation-status.js';
import { revokeByToken } from './revoke-delegation.js';
import { listAgents } from './list-agents.js';
import { revokeAgentAccess } from './revoke-agent-access.js';
import { AgentsPage } from './agents-page.js';
import type { ShownOnce } from './agent-forms.js';
import { AppError } from '../errors/index.js';
import { scopesCallerMayGrant } from '../scopes/index.js';

const security: Array<Record<string, string[]>> = [{ session: [] }, { bearer: [] }];
const scopesProp = { type: 'array', items: { type: 'string' }, description: 'scope names (a space-separated string is accepted too)' };
const tokenBody = { type: 'object', properties: { delegation_token: { type: 'string' } } };
const registerBody = {
  type: 'object',
  properties: { name: { type: 'string' }, scopes: scopesProp, redirect_uris: { type: 'array', items: { type: 'string' } } },
};
const delegateBody = {
  type: 'object',
  properties: {
    user_id: { type: 'string', description: 'must be yours' },
    agent_id: { type: 'string' },
    scopes: scopesProp,
    expires_in: { type: 'integer', description: 'seconds (default OAUTH3_DELEGATION_TTL, at most OAUTH3_DELEGATION_MAX_TTL)' },
    resource: { type: 'string' },
  },
};
const body = (r: FastifyRequest) => (r.body && typeof r.body === 'object' ? (r.body as Record<string, unknown>) : {});

/**
 * The seed API made safe (register_agent, delegate, validate_delegation, revoke_delegation), the person's
 * agents as JSON, and the /account/agents page.
 */
export async function agentsRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const tags = ['agents'];
  const userOf = (r: FastifyRequest) => r.principal!.userId ?? '';

  app.post(
    '/register_agent',
    {
      preHandler: [requireUser(ctx, { scope: 'agents.manage' }), requireCsrf],
      schema: {
        tags,
        summary: 'Register an agent (an OAuth client you own); the secret is in this response only',
        security,
        body: registerBody,
      },
    },
    async (request, reply) =>
      reply
        .code(201)
        .header('cache-control', 'no-store')
        .send(await registerAgent(ctx, request.principal!, body(request), requestMeta(request))),
  );

  app.post(
    '/delegate',
    {
      preHandler: [requireUser(ctx, { scope: 'delegate' }), requireCsrf],
      schema: { tags, summary: 'Delegate some of your rights to an agent for a limited time', security, body: delegateBody },
    },
    async (request, reply) =>
      reply
        .code(201)
        .header('cache-control', 'no-store')
        .send(await createDelegation(ctx, request.principal!, body(request), requestMeta(request))),
  );

  app.post(
    '/validate_delegation',
    { schema: { tags, summary: 'Is this delegation token valid? Invalid ones answer valid: false with a reason', body: tokenBody } },
    async (request, reply) => reply.header('cache-control', 'no-store').send(await delegationStatus(ctx, body(request).delegation_token)),
  );

  app.post(
    '/revoke_delegation',
    { schema: { tags, summary: 'Revoke a delegation token (and everything exchanged from it)', body: tokenBody } },
    async (request, reply) => {
      const out = await revokeByToken(ctx, body(request).delegation_token, requestMeta(request));
      return reply.code(out.status === 'revoked' ? 200 : 400).send(out);
    },
  );

  app.get(
    '/api/v1/me/agents',
    {
      preHandler: requireUser(ctx, { scope: 'agents.manage' }),
      schema: { tags, summary: 'Your agents, their delegations and exchanged descendants', security },
    },
    async (request) => listAgents(ctx, userOf(request)),
  );

  app.post(
    '/api/v1/me/agents/:id/revoke',
    {
      preHandler: [requireUser(ctx, { scope: 'agents.manage' }), requireCsrf],
      schema: {
        tags,
        summary: 'Revoke everything of yours an agent holds, and everything derived from it',
        security,
        params: { type: 'object', properties: { id: { type: 'string', maxLength: 2048 } } },
      },
    },
    async (request) => ({
      revoked: await revokeAgentAccess(ctx, userOf(request), (request.params as { id: string }).id, requestMeta(request)),
    }),
  );

  // ── the page ──
  const page = requireUser(ctx, { page: true });
  const pageWrite = { schema: { hide: true }, preHandler: [page, requireCsrf] };
  const show = async (
    request: FastifyRequest,
    reply: FastifyReply,
    extra: { ok?: string; error?: string; shown?: ShownOnce; status?: number } = {},
  ) => {
    const agents = await listAgents(ctx, userOf(request));
    const names = new Map(agents.map((a) => [a.clientId, a.name]));
    const grantable = new Set(scopesCallerMayGrant(ctx.registries.scopes, request.principal!));
    return renderPage(reply, {
      title: 'Agents',
      request,
      status: extra.status,
      body: (
        <AgentsPage
          agents={agents}
          names={names}
          grantable={ctx.registries.scopes.all().filter((s) => grantable.has(s.name))}
          maxTtl={ctx.config.delegationMaxTtl}
          csrfToken={request.csrfToken}
          ok={extra.ok}
          error={extra.error}
          shown={extra.shown}
        />
      ),
    });
  };
  /** Runs a page action; a client error is shown on the page with its status, never as JSON. */
  const act = async (request: FastifyRequest, reply: FastifyReply, fn: () => Promise<Parameters<typeof show>[2]>) => {
    try {
      return await show(request, reply, await fn());
    } catch (e) {
      if (e instanceof AppError && e.status < 500) return show(request, reply, { error: e.message, status: e.status });
      throw e;
    }
  };
  const formScopes = (b: Record<string, unknown>) => (Array.isArray(b.scopes) ? b.scopes : b.scopes ? [b.scopes] : []);

  app.get('/account/agents', { schema: { hide: true }, preHandler: page }, (request, reply) => show(request, reply));
  app.post('/account/agents/register', pageWrite, (request, reply) =>
    act(request, reply, async () => {
      const b = body(request);
      const agent = await registerAgent(ctx, request.principal!, { name: b.name, scopes: formScopes(b) }, requestMeta(request));
      return {
        ok: `Agent ${agent.name} registered.`,
        shown: {
          label: `Credentials of ${agent.name}.`,
          values: [
            ['client_id', agent.client_id],
            ['client_secret', agent.client_secret],
          ],
        },
      };
    }),
  );
  app.post('/account/agents/:id/delegate', pageWrite, (request, reply) =>
    act(request, reply, async () => {
      const b = body(request);
      const d = await createDelegation(
        ctx,
        request.principal!,
        { agent_id: (request.params as { id: string }).id, scopes: formScopes(b), expires_in: b.expires_in },
        requestMeta(request),
      );
      return {
        ok: `Delegated ${d.scopes.join(' ')}.`,
        shown: { label: 'Delegation token: give it to the agent.', values: [['delegation_token', d.delegation_token]] },
      };
    }),
  );
  app.post('/account/agents/:id/revoke', pageWrite, (request, reply) =>
    act(request, reply, async () => {
      const n = await revokeAgentAccess(ctx, userOf(request), (request.params as { id: string }).id, requestMeta(request));
      return { ok: `Access revoked (${n} token${n === 1 ? '' : 's'}).` };
    }),
  );
}
