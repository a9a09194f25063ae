import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../kernel/index.js';
import { requestMeta } from '../accounts/index.js';
import { AppError } from '../errors/index.js';
import { renderPage } from '../web/index.js';
import { policyFromGrantForm, policyKeysFor, proxyOf } from '../proxy/index.js';
import type { AgentPageKit } from './agent-page-kit.js';
import { DelegateForm } from './agent-forms.js';
import { createDelegation } from './create-delegation.js';
import { delegationTarget } from './delegation-target.js';
import { agentsErrors } from './agents-errors.js';

/** Delegating to one agent from its page: the form (which scopes, how long, the limits per action) and its POST. */
export function delegateFormRoutes(
  app: FastifyInstance,
  ctx: AppContext,
  { pageRead, pageWrite, act, userOf, body, grantableOf, formScopes }: AgentPageKit,
): void {
  /** The delegate form of one agent; after a refusal, with why and the form as it was sent. */
  const delegatePage = async (
    request: FastifyRequest,
    reply: FastifyReply,
    refused?: { error: string; status: number; submitted: Record<string, unknown> },
  ) => {
    const { agent, owner } = await delegationTarget(ctx, userOf(request), (request.params as { id: string }).id);
    if (!agent.scope?.length)
      throw new AppError(agentsErrors.ERR_AGENTS_NOT_FOUND, 'This agent was registered with no scopes: nothing can be delegated to it.');
    const descriptions = new Map(grantableOf(request).map((s) => [s.name, s.description]));
    const scopes = agent.scope.map((name) => ({ name, description: descriptions.get(name) ?? name }));
    return renderPage(reply, {
      title: `Delegate to ${agent.name}`,
      request,
      status: refused?.status,
      body: (
        <DelegateForm
          clientId={agent.clientId}
          owner={owner?.name}
          scopes={scopes}
          policyKeys={policyKeysFor(proxyOf(ctx), agent.scope)}
          maxTtl={ctx.config.delegationMaxTtl}
          csrfToken={request.csrfToken}
          refused={refused}
        />
      ),
    });
  };
  app.get('/account/agents/:id/delegate', pageRead, (request, reply) => delegatePage(request, reply));
  app.post('/account/agents/:id/delegate', pageWrite, (request, reply) => {
    const b = body(request);
    return act(
      request,
      reply,
      async () => {
        const d = await createDelegation(
          ctx,
          request.principal!,
          {
            agent_id: (request.params as { id: string }).id,
            scopes: formScopes(b),
            expires_in: b.expires_in,
            policy: policyFromGrantForm(proxyOf(ctx), b, formScopes(b).map(String)),
          },
          requestMeta(request),
        );
        return {
          ok: `Delegated ${d.scopes.join(' ')}${d.agent_owner ? ` to an agent run by ${d.agent_owner}` : ''}.`,
          secret: { label: 'Delegation token: give it to the agent.', values: [['delegation_token', d.delegation_token]] },
        };
      },
      undefined,
      // Refused (a limit that cannot mean anything, a scope not offered): the form again as typed, saying why
      (e) => delegatePage(request, reply, { error: e.message, status: e.status, submitted: b }),
    );
  });
}
