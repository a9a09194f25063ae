import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../kernel/index.js';
import { requireCsrf, requireUser, requestMeta } from '../accounts/index.js';
import { oneTimeFlash, renderPage, type FlashMessage } from '../web/index.js';
import { registerAgent } from './register-agent.js';
import { createDelegation } from './create-delegation.js';
import { delegationStatus } from './delegation-status.js';
import { revokeByToken } from './revoke-delegation.js';
import { listAgents } from './list-agents.js';
import { revokeAgentAccess } from './revoke-agent-access.js';
import { AgentsPage } from './agents-page.js';
import { renameAgent } from './rename-agent.js';
import { setAgentAvailability } from './set-agent-availability.js';
import { agentsErrors } from './agents-errors.js';
import { delegateFormRoutes } from './delegate-form-routes.js';
import { delegationLimitsRoutes } from './delegation-limits-routes.js';
import { agentRemovalRoutes } from './agent-removal-routes.js';
import { AppError, httpErrors } from '../errors/index.js';
import { scopesCallerMayGrant, SIGN_IN_ONLY_SCOPES } from '../scopes/index.js';
import { policySummaries } from '../proxy/index.js';

/** Scopes that let an agent hand the person's rights on (register agents, delegate): given only after a warning. */
const POWERFUL_SCOPES = new Set(['agents.manage', 'delegate']);
const security: Array<Record<string, string[]>> = [{ session: [] }, { bearer: [] }];
const scopesProp = { type: 'array', items: { type: 'string' }, description: 'scope names (a space-separated string is accepted too)' };
const tokenBody = { type: 'object', properties: { delegation_token: { type: 'string' } } };
const registerBody = {
  type: 'object',
  properties: { name: { type: 'string' }, scopes: scopesProp, redirect_uris: { type: 'array', items: { type: 'string' } } },
};
const availabilityBody = {
  type: 'object',
  required: ['available'],
  properties: { available: { type: 'boolean', description: 'true: others may delegate to this agent (they see your username)' } },
};
const idParams = { type: 'object', properties: { id: { type: 'string', maxLength: 2048 } } };
const delegateBody = {
  type: 'object',
  properties: {
    user_id: { type: 'string', description: 'must be yours' },
    agent_id: { type: 'string' },
    scopes: scopesProp,
    expires_in: { type: 'integer', description: 'seconds (default OAUTH3_DELEGATION_TTL, at most OAUTH3_DELEGATION_MAX_TTL)' },
    resource: { type: 'string' },
    policy: {
      type: 'object',
      description:
        'the proxy policy of this grant: { actions: { "<plugin>.<action>" or "<scope>": { rate: { count, per: minute|hour|day }, constraints: [...], ask } } }',
    },
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
        params: idParams,
      },
    },
    async (request) => ({
      revoked: await revokeAgentAccess(ctx, userOf(request), (request.params as { id: string }).id, requestMeta(request)),
    }),
  );

  app.post(
    '/api/v1/me/agents/:id/availability',
    {
      preHandler: [requireUser(ctx, { scope: 'agents.manage' }), requireCsrf],
      schema: {
        tags,
        summary: 'Make an agent you registered available for delegation by others (they see your username), or stop it',
        security,
        params: idParams,
        body: availabilityBody,
      },
    },
    async (request) => {
      const id = (request.params as { id: string }).id;
      const done = await setAgentAvailability(ctx, userOf(request), id, body(request).available, requestMeta(request));
      return { agent_id: id, available: done.available };
    },
  );

  // ── the page: each form posts, then redirects (303) back to the list, which shows the outcome once ──
  const page = requireUser(ctx, { page: true });
  const pageRead = { schema: { hide: true }, preHandler: page };
  const pageWrite = { schema: { hide: true }, preHandler: [page, requireCsrf] };
  const flash = oneTimeFlash(ctx);
  const binding = (r: FastifyRequest) => r.accountSession?.id ?? '';
  const grantableOf = (request: FastifyRequest) => {
    const grantable = new Set(scopesCallerMayGrant(ctx.registries.scopes, request.principal!));
    return ctx.registries.scopes.all().filter((s) => grantable.has(s.name));
  };
  const show = async (request: FastifyRequest, reply: FastifyReply, refused?: { error: string; status: number }) => {
    const agents = await listAgents(ctx, userOf(request));
    const policies = await policySummaries(
      ctx,
      agents.flatMap((a) => a.delegations.map((d) => d.id)),
    );
    return renderPage(reply, {
      title: 'Agents',
      request,
      status: refused?.status,
      body: (
        <AgentsPage
          agents={agents}
          names={new Map(agents.map((a) => [a.clientId, a.name]))}
          policies={policies}
          grantable={grantableOf(request).filter((s) => !SIGN_IN_ONLY_SCOPES.has(s.name))}
          csrfToken={request.csrfToken}
          flash={refused ? { error: refused.error } : flash.take(request, reply, binding(request))}
        />
      ),
    });
  };
  /**
   * Runs a page action and redirects to `back` with what it did; a refusal (4xx) is shown on `refused`'s page (the
   * form again as typed) when given, else on the Agents page, never as JSON.
   */
  const act = async (
    request: FastifyRequest,
    reply: FastifyReply,
    fn: () => Promise<FlashMessage>,
    back = '/account/agents',
    refused?: (e: AppError) => Promise<FastifyReply>,
  ) => {
    let message: FlashMessage;
    try {
      message = await fn();
    } catch (e) {
      if (e instanceof AppError && e.status < 500)
        return refused ? refused(e) : show(request, reply, { error: e.message, status: e.status });
      throw e;
    }
    flash.set(reply, binding(request), back, message);
    return reply.redirect(back, 303);
  };
  const formScopes = (b: Record<string, unknown>) => (Array.isArray(b.scopes) ? b.scopes : b.scopes ? [b.scopes] : []);
  const agentOf = async (request: FastifyRequest) => {
    const id = (request.params as { id: string }).id;
    const agent = (await listAgents(ctx, userOf(request))).find((a) => a.clientId === id);
    if (!agent) throw new AppError(agentsErrors.ERR_AGENTS_NOT_FOUND);
    return agent;
  };

  app.get('/account/agents', pageRead, (request, reply) => show(request, reply));
  app.post('/account/agents/register', pageWrite, (request, reply) =>
    act(request, reply, async () => {
      const b = body(request);
      const scopes = formScopes(b);
      const powerful = scopes.filter((s) => POWERFUL_SCOPES.has(String(s)));
      if (powerful.length && b.confirm_powerful !== '1')
        throw new AppError(
          httpErrors.ERR_VALIDATION,
          `${powerful.join(' and ')} let the agent hand your rights on: tick "I understand" to give them.`,
        );
      const agent = await registerAgent(ctx, request.principal!, { name: b.name, scopes }, requestMeta(request));
      return {
        ok: `Agent ${agent.name} registered. Delegate to it when it should act for you.`,
        secret: {
          label: `Credentials of ${agent.name}.`,
          values: [
            ['client_id', agent.client_id],
            ['client_secret', agent.client_secret],
          ],
        },
      };
    }),
  );
  // "Delegate to someone else's agent": the id its owner gave, then the same delegate step as for one's own.
  app.get('/account/agents/delegate', pageRead, async (request, reply) => {
    const id = (request.query as Record<string, unknown>).agent_id;
    if (typeof id !== 'string' || !id.trim() || id.length > 2048)
      return show(request, reply, { error: 'Enter the agent id its owner gave you.', status: 400 });
    return reply.redirect(`/account/agents/${encodeURIComponent(id.trim())}/delegate`, 303);
  });
  app.post('/account/agents/:id/availability', pageWrite, (request, reply) =>
    act(request, reply, async () => {
      const done = await setAgentAvailability(
        ctx,
        userOf(request),
        (request.params as { id: string }).id,
        body(request).available,
        requestMeta(request),
      );
      return {
        ok: done.available
          ? `${done.name} is available for delegation by others: give them its agent id. They will see your username.`
          : `${done.name} is no longer available for delegation by others. Delegations already made stay until they expire or are revoked.`,
      };
    }),
  );
  app.post('/account/agents/:id/rename', pageWrite, (request, reply) =>
    act(request, reply, async () => {
      const name = await renameAgent(ctx, userOf(request), (request.params as { id: string }).id, body(request).name, requestMeta(request));
      return { ok: `Agent renamed to ${name}.` };
    }),
  );
  const kit = { pageRead, pageWrite, act, userOf, body, agentOf, grantableOf, formScopes };
  delegateFormRoutes(app, ctx, kit);
  delegationLimitsRoutes(app, ctx, kit);
  agentRemovalRoutes(app, ctx, kit);
}
