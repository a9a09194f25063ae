import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../kernel/index.js';
import { requestMeta } from '../accounts/index.js';
import { AppError } from '../errors/index.js';
import { ConfirmStep, renderPage } from '../web/index.js';
import { deleteAgent } from './delete-agent.js';
import { revokeAgentAccess } from './revoke-agent-access.js';
import { agentsErrors } from './agents-errors.js';
import type { AgentPageKit } from './agent-page-kit.js';

/** Deleting an agent and revoking all its access: each a confirm step (GET), then the action (POST, back to the list). */
export function agentRemovalRoutes(
  app: FastifyInstance,
  ctx: AppContext,
  { pageRead, pageWrite, act, userOf, agentOf }: AgentPageKit,
): void {
  app.get('/account/agents/:id/delete', pageRead, async (request, reply) => {
    const agent = await agentOf(request);
    if (!agent.owned) throw new AppError(agentsErrors.ERR_AGENTS_NOT_FOUND, 'You can delete only an agent you registered.');
    return renderPage(reply, {
      title: `Delete the agent ${agent.name}?`,
      request,
      body: (
        <ConfirmStep
          action={`/account/agents/${encodeURIComponent(agent.clientId)}/delete`}
          csrfToken={request.csrfToken}
          consequences={[
            `Everything ${agent.name} holds is revoked first: its delegation tokens and every token exchanged from them.`,
            'Its client id and secret stop working: a program using them is refused.',
            'This cannot be undone: you would register a new agent.',
          ]}
          confirmLabel="Delete agent"
          cancelHref="/account/agents"
        />
      ),
    });
  });
  app.post('/account/agents/:id/delete', pageWrite, (request, reply) =>
    act(request, reply, async () => {
      const done = await deleteAgent(ctx, userOf(request), (request.params as { id: string }).id, requestMeta(request));
      return { ok: `Agent ${done.name} deleted (${done.revoked} token${done.revoked === 1 ? '' : 's'} revoked).` };
    }),
  );
  app.get('/account/agents/:id/revoke', pageRead, async (request, reply) => {
    const agent = await agentOf(request);
    return renderPage(reply, {
      title: `Revoke the access of ${agent.name}?`,
      request,
      body: (
        <ConfirmStep
          action={`/account/agents/${encodeURIComponent(agent.clientId)}/revoke`}
          csrfToken={request.csrfToken}
          consequences={[
            `${agent.name} can no longer act for you: its delegation tokens are refused from their next use.`,
            'Every token exchanged from them, by this agent or its sub-agents, stops working too.',
            agent.owned ? 'The agent stays registered: you can delegate to it again later.' : 'It keeps nothing of yours.',
          ]}
          confirmLabel="Revoke all access"
          cancelHref="/account/agents"
        />
      ),
    });
  });
  app.post('/account/agents/:id/revoke', pageWrite, (request, reply) =>
    act(request, reply, async () => {
      const n = await revokeAgentAccess(ctx, userOf(request), (request.params as { id: string }).id, requestMeta(request));
      return { ok: `Access revoked (${n} token${n === 1 ? '' : 's'}).` };
    }),
  );
}
