import type { AgentView, ChainTokenView } from './list-agents.js';
import { Flash, CsrfField, TimeText } from '../web/index.js';
import { DelegateForm, RegisterAgentForm, ShownOnceBox, type ShownOnce } from './agent-forms.js';

export interface AgentsPageProps {
  agents: AgentView[];
  names: Map<string, string>;
  /** Scopes the person may give an agent they register. */
  grantable: Array<{ name: string; description: string }>;
  maxTtl: number;
  csrfToken?: string;
  shown?: ShownOnce | null;
  error?: string | null;
  ok?: string | null;
}

function TokenRow({ t, names }: { t: ChainTokenView; names: Map<string, string> }) {
  return (
    <tr data-testid="chain-token" data-jti={t.jti} data-depth={String(t.depth)} data-revoked={t.revoked ? 'true' : 'false'}>
      <td>{t.depth === 0 ? 'delegation token' : `${'↳ '.repeat(t.depth)}exchanged to ${names.get(t.clientId) ?? t.clientId}`}</td>
      <td>{t.scopes.join(' ')}</td>
      <td>
        <TimeText ms={t.lastUsedAt} />
        {t.lastUsedIp ? ` from ${t.lastUsedIp}` : ''}
      </td>
      <td>
        <TimeText ms={t.expiresAt} />
      </td>
      <td>{t.revoked ? 'revoked' : t.expiresAt <= Date.now() ? 'expired' : 'live'}</td>
    </tr>
  );
}

/** Agents: each agent with its delegations and exchanged descendants, scopes, last use, and one cascading revoke. */
export function AgentsPage({ agents, names, grantable, maxTtl, csrfToken, shown, error, ok }: AgentsPageProps) {
  return (
    <section data-page="agents">
      <Flash kind="error" message={error} />
      <Flash kind="ok" message={ok} />
      <ShownOnceBox shown={shown} />
      {agents.length === 0 ? (
        <p>
          No agents yet. Register one below (or with <code>POST /register_agent</code>), then delegate to it.
        </p>
      ) : null}
      {agents.map((a) => (
        <article data-testid="agent" data-client-id={a.clientId}>
          <header>
            <strong>{a.name}</strong> <code>{a.clientId}</code> {a.owned ? <span class="badge">registered by you</span> : null}
            <br />
            <small>
              Registered scopes: {a.scopes.join(' ') || 'none'} · Last used: <TimeText ms={a.lastUsedAt} />
            </small>
          </header>
          {a.delegations.length || a.received.length ? (
            <table>
              <thead>
                <tr>
                  <th scope="col">Token</th>
                  <th scope="col">Scopes</th>
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
          {a.owned && a.scopes.length ? (
            <DelegateForm clientId={a.clientId} scopes={a.scopes} maxTtl={maxTtl} csrfToken={csrfToken} />
          ) : null}
          {a.active ? (
            <form method="post" action={`/account/agents/${encodeURIComponent(a.clientId)}/revoke`} class="inline-form">
              <CsrfField token={csrfToken} />
              <button type="submit" class="contrast" data-testid="revoke-agent">
                Revoke all access (and everything derived from it)
              </button>
            </form>
          ) : null}
        </article>
      ))}
      <h2>Register an agent</h2>
      <RegisterAgentForm scopes={grantable} csrfToken={csrfToken} />
    </section>
  );
}
