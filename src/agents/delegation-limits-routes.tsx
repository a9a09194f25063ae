import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../kernel/index.js';
import { AppError } from '../errors/index.js';
import { CsrfField, Flash, renderPage, SubmitOrCancel } from '../web/index.js';
import type { AgentPageKit } from './agent-page-kit.js';
import {
  PolicyFields,
  grantPolicy,
  policyFromGrantForm,
  policyKeysFor,
  proxyOf,
  setGrantPolicy,
  withSuggestedFields,
} from '../proxy/index.js';
import { agentsErrors } from './agents-errors.js';
import './delegations-table.js';

/** A delegation's limits (the proxy policy): shown on the Agents page, edited here (POST, then back to the list). */
export function delegationLimitsRoutes(
  app: FastifyInstance,
  ctx: AppContext,
  { pageRead, pageWrite, act, userOf, body }: AgentPageKit,
): void {
  const ownDelegation = async (request: FastifyRequest) => {
    const id = (request.params as { id: string }).id;
    const d = await ctx.db
      .selectFrom('delegations')
      .select(['id', 'scope'])
      .where('id', '=', id)
      .where('user_id', '=', userOf(request))
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    if (!d) throw new AppError(agentsErrors.ERR_AGENTS_NOT_FOUND, 'No such live delegation of yours.');
    return { id: d.id, scopes: d.scope.split(' ').filter(Boolean) };
  };
  /** The edit form of a delegation's limits; after a refusal, with why and the fields as they were sent. */
  const limitsPage = async (
    request: FastifyRequest,
    reply: FastifyReply,
    refused?: { error: string; status: number; submitted: Record<string, unknown> },
  ) => {
    const d = await ownDelegation(request);
    const descriptions = new Map(ctx.registries.scopes.all().map((s) => [s.name, s.description]));
    const current = await grantPolicy(ctx, d.id).catch(() => null); // unreadable: shown empty, set again
    // Per action, as the other grant forms; a limit set on a whole scope (an older form's) is shown to edit too
    const keys = policyKeysFor(proxyOf(ctx), d.scopes);
    const scopeKeys = Object.keys(current?.actions ?? {})
      .filter((k) => !keys.some((o) => o.name === k))
      .map((name) => ({ name, label: `Every action of ${descriptions.get(name) ?? name}` }));
    return renderPage(reply, {
      title: 'Limits of a delegation',
      request,
      status: refused?.status,
      body: (
        <form method="post" action={`/account/agents/delegations/${encodeURIComponent(d.id)}/policy`} data-testid="policy-form">
          <CsrfField token={request.csrfToken} />
          <Flash kind="error" message={refused?.error} />
          <p class="muted">Empty fields set no limit. Limits apply to the delegation token and to every token exchanged from it.</p>
          <PolicyFields keys={[...keys, ...withSuggestedFields(ctx, scopeKeys)]} value={current} submitted={refused?.submitted} />
          <SubmitOrCancel label="Save limits" testId="policy-submit" cancelHref="/account/agents" />
        </form>
      ),
    });
  };
  app.get('/account/agents/delegations/:id/policy', pageRead, (request, reply) => limitsPage(request, reply));
  app.post('/account/agents/delegations/:id/policy', pageWrite, (request, reply) =>
    act(
      request,
      reply,
      async () => {
        const d = await ownDelegation(request);
        const policy = policyFromGrantForm(proxyOf(ctx), body(request), d.scopes); // checked: 400 naming what is wrong
        await setGrantPolicy(ctx.db, d.id, policy ?? null);
        return { ok: 'Limits saved: they apply from the next call.' };
      },
      undefined,
      // Refused: the form again as typed, saying why (a delegation not the caller's: its 404, as the form's own)
      (e) => limitsPage(request, reply, { error: e.message, status: e.status, submitted: body(request) }),
    ),
  );
}
