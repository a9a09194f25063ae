import { CsrfField, Flash, SubmitOrCancel } from '../web/index.js';
import { PolicyFields, type PolicyFieldsProps } from '../proxy/index.js';

type Scope = { name: string; description: string };

/** Scopes that let an agent hand the person's rights on: the form warns before they are given. */
const POWERFUL = new Set(['agents.manage', 'delegate']);

/** Register an agent: name and the scopes it may ever be given (among those the person can grant). */
export function RegisterAgentForm({ scopes, csrfToken }: { scopes: Scope[]; csrfToken?: string }) {
  return (
    <form method="post" action="/account/agents/register" data-testid="register-agent">
      <CsrfField token={csrfToken} />
      <label>
        Agent name <input name="name" required maxLength={100} placeholder="e.g. Inbox assistant" />
      </label>
      <fieldset>
        <legend>What it may be given</legend>
        {scopes.map((s) => (
          <label>
            <input type="checkbox" name="scopes" value={s.name} /> {s.description} <code class="scope-code">{s.name}</code>
            {POWERFUL.has(s.name) ? (
              <strong class="flash-error" data-testid="powerful-scope">
                {' '}
                lets the agent hand your rights on
              </strong>
            ) : null}
          </label>
        ))}
      </fieldset>
      <label>
        <input type="checkbox" name="confirm_powerful" value="1" /> I understand that an agent given{' '}
        <code class="scope-code">agents.manage</code> or <code class="scope-code">delegate</code> can register agents or delegate my rights
        without asking me.
      </label>
      <button type="submit" data-testid="register-agent-submit">
        Register agent
      </button>
    </form>
  );
}

/**
 * Delegate to one agent: which of its scopes, for how long (its own page, reached from the agent's card). For an
 * agent someone else runs, it says who first: that person's program will act with what is given here.
 */
export function DelegateForm({
  clientId,
  owner,
  scopes,
  policyKeys,
  maxTtl,
  csrfToken,
  refused,
}: {
  clientId: string;
  /** The username of who runs the agent, when it is not the person delegating. */
  owner?: string;
  scopes: Scope[];
  /** The limits offered: per action of its scopes, with the fields they may name (policyKeysFor). */
  policyKeys: PolicyFieldsProps['keys'];
  maxTtl: number;
  csrfToken?: string;
  /** A refused delegation: why, and the form as it was sent (shown again as typed, so nothing is lost). */
  refused?: { error: string; submitted: Record<string, unknown> };
}) {
  const sent = refused?.submitted;
  const sentScopes = sent ? [sent.scopes].flat().map(String) : [];
  const lifetimes = [
    [900, '15 minutes'],
    [3600, '1 hour'],
    [8 * 3600, '8 hours'],
    [86400, '1 day'],
    [7 * 86400, '7 days'],
  ] as const;
  const chosen = Number(sent?.expires_in);
  const lifetime = lifetimes.some(([s]) => s === chosen) ? chosen : 3600;
  return (
    <form method="post" action={`/account/agents/${encodeURIComponent(clientId)}/delegate`} data-testid="delegate-form">
      <CsrfField token={csrfToken} />
      {refused ? <Flash kind="error" message={refused.error} /> : null}
      {owner ? (
        <p class="flash flash-error" data-testid="agent-owner">
          This agent is run by <strong>{owner}</strong>, not by you. What you give it here, their program can do as you until it expires or
          you revoke it.
        </p>
      ) : null}
      <fieldset>
        <legend>What it may do for you</legend>
        {scopes.map((s) => (
          <label>
            <input type="checkbox" name="scopes" value={s.name} checked={sentScopes.includes(s.name)} /> {s.description}{' '}
            <code class="scope-code">{s.name}</code>
          </label>
        ))}
      </fieldset>
      <label>
        For how long
        <select name="expires_in">
          {lifetimes
            .filter(([s]) => s <= maxTtl)
            .map(([s, label]) => (
              <option value={String(s)} selected={s === lifetime}>
                {label}
              </option>
            ))}
        </select>
      </label>
      <PolicyFields keys={policyKeys} submitted={sent} />
      <SubmitOrCancel label="Delegate" testId="delegate-submit" cancelHref="/account/agents" />
    </form>
  );
}

/** "Delegate to someone else's agent": the agent id its owner gave (it must have been made available). */
export function DelegateToOthersForm() {
  return (
    <form method="get" action="/account/agents/delegate" class="row-actions" data-testid="delegate-to-others">
      <label>
        <span class="muted">Agent id someone gave you</span>
        <input name="agent_id" required maxLength={2048} placeholder="c…" autocomplete="off" />
      </label>
      <button type="submit" class="secondary outline">
        Continue…
      </button>
    </form>
  );
}

/** The owner's switch: may others delegate to this agent (they see the owner's username)? */
export function AvailabilityForm({ clientId, available, csrfToken }: { clientId: string; available: boolean; csrfToken?: string }) {
  return (
    <form
      method="post"
      action={`/account/agents/${encodeURIComponent(clientId)}/availability`}
      class="row-actions"
      data-testid="agent-availability"
    >
      <CsrfField token={csrfToken} />
      <input type="hidden" name="available" value={available ? '0' : '1'} />
      <span class="muted" data-testid="availability-state">
        {available ? 'Others may delegate to it (they see your username).' : 'Only you can delegate to it.'}
      </span>
      <button type="submit" class="secondary outline" data-testid="availability-toggle">
        {available ? 'Stop others delegating' : 'Let others delegate to it'}
      </button>
    </form>
  );
}
