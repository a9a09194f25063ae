import type { AgentView, ChainTokenView } from './list-agents.js';
import { CsrfField, Flash, SecretBox, TimeText, type FlashMessage } from '../web/index.js';
import { AvailabilityForm, DelegateToOthersForm, RegisterAgentForm } from './agent-forms.js';

export interface AgentsPageProps {
  agents: AgentView[];
  names: Map<string, string>;
  /** Scopes the person may give an agent they register. */
  grantable: Array<{ name: string; description: string }>;
  csrfToken?: string;
  /** What the last action did (and any secret it issued, shown this once). */
  flash: FlashMessage;
  /** Each delegation's proxy limits in words, by delegation id (absent: none). */
  policies?: Map<string, string[]>;
}

/** A live delegation's limits (the proxy policy) in words, with the link to edit them. */
function DelegationPolicy({ d, lines }: { d: AgentView['delegations'][number]; lines: string[] }) {
  if (d.revokedAt !== null || d.expiresAt <= Date.now()) return null;
  return (
    <p class="muted" data-testid="delegation-policy" data-delegation-id={d.id}>
      Limits of the delegation of {d.scopes.join(' ')}: {lines.length ? lines.join('; ') : 'none'} ·{' '}
      <a href={`/account/agents/delegations/${encodeURIComponent(d.id)}/policy`} data-testid="edit-policy">
        Edit limits
      </a>
    </p>
  );
}

function TokenRow({ t, names }: { t: ChainTokenView; names: Map<string, string> }) {
  const state = t.revoked ? 'revoked' : t.expiresAt <= Date.now() ? 'expired' : 'live';
  return (
    <tr data-testid="chain-token" data-jti={t.jti} data-depth={String(t.depth)} data-revoked={t.revoked ? 'true' : 'false'}>
      <td data-label="Token">
        {t.depth === 0 ? 'delegation token' : `${'↳ '.repeat(t.depth)}exchanged to ${names.get(t.clientId) ?? t.clientId}`}
      </td>
      <td data-label="Can">{t.scopes.join(' ')}</td>
      <td data-label="Last used">
        <TimeText ms={t.lastUsedAt} />
        {t.lastUsedIp ? ` from ${t.lastUsedIp}` : ''}
      </td>
      <td data-label="Expires">
        <TimeText ms={t.expiresAt} />
      </td>
      <td data-label="State">{state === 'live' ? <strong>live</strong> : <span class="muted">{state}</span>}</td>
    </tr>
  );
}

/** Agents: each agent with its delegations and exchanged descendants; one "delegate" and one (confirmed) revoke per agent. */
export function AgentsPage({ agents, names, grantable, csrfToken, flash, policies }: AgentsPageProps) {
  return (
    <section data-page="agents">
      <Flash kind="error" message={flash.error} />
      <Flash kind="ok" message={flash.ok} />
      <SecretBox secret={flash.secret} />
      {agents.length === 0 ? (
        <p data-testid="no-agents">
          No agents yet. Register one below (or with <code>POST /register_agent</code>), then delegate to it.
        </p>
      ) : null}
      {agents.map((a) => (
        <article data-testid="agent" data-client-id={a.clientId}>
          <header>
            <strong>{a.name}</strong>{' '}
            {a.owned ? (
              <span class="badge">registered by you</span>
            ) : (
              <span class="badge" data-testid="agent-run-by">
                run by {a.owner}
              </span>
            )}
            <br />
            <small>
              <code>{a.clientId}</code> · may be given: {a.scopes.join(' ') || 'nothing'} · last used <TimeText ms={a.lastUsedAt} />
            </small>
          </header>
          {a.delegations.length || a.received.length ? (
            <table class="cards">
              <thead>
                <tr>
                  <th scope="col">Token</th>
                  <th scope="col">Can</th>
                  <th scope="col">Last used</th>
                  <th scope="col">Expires</th>
                  <th scope="col">State</th>
                </tr>
              </thead>
              <tbody>
                {a.delegations.flatMap((d) => d.tokens.map((t) => <TokenRow t={t} names={names} />))}
                {a.received.map((t) => (
                  <TokenRow t={t} names={names} />
                ))}
              </tbody>
            </table>
          ) : (
            <p class="muted">No delegations.</p>
          )}
          {a.delegations.map((d) => (
            <DelegationPolicy d={d} lines={policies?.get(d.id) ?? []} />
          ))}
          {a.owned ? <AvailabilityForm clientId={a.clientId} available={a.available} csrfToken={csrfToken} /> : null}
          {a.owned ? (
            <form
              method="post"
              action={`/account/agents/${encodeURIComponent(a.clientId)}/rename`}
              class="row-actions"
              data-testid="rename-agent"
            >
              <CsrfField token={csrfToken} />
              <label>
                <span class="muted">Name of {a.name}</span>
                <input name="name" required maxLength={100} value={a.name} />
              </label>
              <button type="submit" class="secondary outline">
                Rename
              </button>
            </form>
          ) : null}
          <footer class="row-actions">
            {(a.owned || a.available) && a.scopes.length ? (
              <a href={`/account/agents/${encodeURIComponent(a.clientId)}/delegate`} role="button" data-testid="delegate">
                Delegate…
              </a>
            ) : null}
            {a.active ? (
              <a
                href={`/account/agents/${encodeURIComponent(a.clientId)}/revoke`}
                role="button"
                class="contrast outline"
                data-testid="revoke-agent"
              >
                Revoke all access…
              </a>
            ) : null}
            {a.owned ? (
              <a
                href={`/account/agents/${encodeURIComponent(a.clientId)}/delete`}
                role="button"
                class="secondary outline"
                data-testid="delete-agent"
              >
                Delete…
              </a>
            ) : null}
          </footer>
        </article>
      ))}
      <h2>Delegate to someone else's agent</h2>
      <p class="muted">Its owner must have made it available; you will see who runs it before you give it anything.</p>
      <DelegateToOthersForm />
      <h2>Register an agent</h2>
      <RegisterAgentForm scopes={grantable} csrfToken={csrfToken} />
    </section>
  );
}
