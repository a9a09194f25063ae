import { CsrfField } from '../web/index.js';

/** Secrets just issued on the Agents page (client secret, delegation token): shown this once. */
export interface ShownOnce {
  label: string;
  values: Array<[string, string]>;
}

/** Shows credentials that will not be shown again. */
export function ShownOnceBox({ shown }: { shown?: ShownOnce | null }) {
  if (!shown) return null;
  return (
    <article data-testid="shown-once">
      <p>{shown.label} Copy it now: it will not be shown again.</p>
      {shown.values.map(([k, v]) => (
        <p>
          {k}: <code data-testid={`shown-${k}`}>{v}</code>
        </p>
      ))}
    </article>
  );
}

/** Register an agent: name and the scopes it may ever be given (among those the person can grant). */
export function RegisterAgentForm({ scopes, csrfToken }: { scopes: Array<{ name: string; description: string }>; csrfToken?: string }) {
  return (
    <form method="post" action="/account/agents/register" data-testid="register-agent">
      <CsrfField token={csrfToken} />
      <label>
        Agent name <input name="name" required maxLength={100} />
      </label>
      <fieldset>
        <legend>Scopes it may be given</legend>
        {scopes.map((s) => (
          <label>
            <input type="checkbox" name="scopes" value={s.name} /> <code>{s.name}</code> {s.description}
          </label>
        ))}
      </fieldset>
      <button type="submit" data-testid="register-agent-submit">
        Register agent
      </button>
    </form>
  );
}

/** Delegate to one agent: which of its scopes, for how long. */
export function DelegateForm({
  clientId,
  scopes,
  maxTtl,
  csrfToken,
}: {
  clientId: string;
  scopes: string[];
  maxTtl: number;
  csrfToken?: string;
}) {
  const lifetimes = [
    [900, '15 minutes'],
    [3600, '1 hour'],
    [8 * 3600, '8 hours'],
    [86400, '1 day'],
    [7 * 86400, '7 days'],
  ] as const;
  return (
    <form method="post" action={`/account/agents/${encodeURIComponent(clientId)}/delegate`} data-testid="delegate-form">
      <CsrfField token={csrfToken} />
      <fieldset>
        <legend>Delegate</legend>
        {scopes.map((s) => (
          <label>
            <input type="checkbox" name="scopes" value={s} /> <code>{s}</code>
          </label>
        ))}
      </fieldset>
      <select name="expires_in" aria-label="for how long">
        {lifetimes
          .filter(([s]) => s <= maxTtl)
          .map(([s, label]) => (
            <option value={String(s)} selected={s === 3600}>
              {label}
            </option>
          ))}
      </select>
      <button type="submit" data-testid="delegate-submit">
        Delegate
      </button>
    </form>
  );
}
