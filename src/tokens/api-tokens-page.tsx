import type { ApiTokenInfo } from './api-token-service.js';
import { Flash, CsrfField, TimeText } from '../web/index.js';

export interface ApiTokensPageProps {
  tokens: ApiTokenInfo[];
  /** Scopes the person may put on a token (name + description). */
  scopes: Array<{ name: string; description: string }>;
  defaultDays: number;
  allowNoExpiry: boolean;
  csrfToken?: string;
  /** A token just created: shown this once. */
  created?: { name: string; token: string } | null;
  error?: string | null;
  ok?: string | null;
}

/** API tokens: the list (name, scopes, created, last use, expiry), create form, revoke one, revoke all. */
export function ApiTokensPage(p: ApiTokensPageProps) {
  const live = p.tokens.filter((t) => t.revokedAt === null);
  return (
    <section data-page="api-tokens">
      <Flash kind="error" message={p.error} />
      <Flash kind="ok" message={p.ok} />
      {p.created ? (
        <article data-testid="new-token">
          <p>
            Token <strong>{p.created.name}</strong> created. Copy it now: it will not be shown again.
          </p>
          <pre>
            <code data-testid="new-token-value">{p.created.token}</code>
          </pre>
        </article>
      ) : null}
      <table>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Scopes</th>
            <th scope="col">Created</th>
            <th scope="col">Last used</th>
            <th scope="col">Expires</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {p.tokens.map((t) => (
            <tr data-testid="token-row" data-token-id={t.id}>
              <td>{t.name}</td>
              <td>{t.scopes.join(' ')}</td>
              <td>
                <TimeText ms={t.createdAt} />
              </td>
              <td>
                <TimeText ms={t.lastUsedAt} />
                {t.lastUsedIp ? ` from ${t.lastUsedIp}` : ''}
              </td>
              <td>{t.expiresAt === null ? 'never' : <TimeText ms={t.expiresAt} />}</td>
              <td>
                {t.revokedAt !== null ? (
                  <span class="muted">revoked</span>
                ) : (
                  <form method="post" action={`/account/tokens/${encodeURIComponent(t.id)}/revoke`} class="inline-form">
                    <CsrfField token={p.csrfToken} />
                    <button type="submit" class="secondary" data-testid="revoke-token">
                      Revoke
                    </button>
                  </form>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {live.length ? (
        <form method="post" action="/account/tokens/revoke-all">
          <CsrfField token={p.csrfToken} />
          <button type="submit" class="contrast" data-testid="revoke-all-tokens">
            Revoke all tokens
          </button>
        </form>
      ) : null}
      <h2>New token</h2>
      <form method="post" action="/account/tokens" data-testid="create-token">
        <CsrfField token={p.csrfToken} />
        <label>
          Name <input name="name" required maxLength={100} />
        </label>
        <fieldset>
          <legend>Scopes</legend>
          {p.scopes.map((s) => (
            <label>
              <input type="checkbox" name="scopes" value={s.name} /> <code>{s.name}</code> {s.description}
            </label>
          ))}
        </fieldset>
        <label>
          Expires in (days)
          <input name="expires_in_days" type="number" min={1} max={3650} value={String(p.defaultDays)} />
        </label>
        {p.allowNoExpiry ? (
          <label>
            <input type="checkbox" name="never_expires" value="1" /> Never expires
          </label>
        ) : null}
        <button type="submit" data-testid="create-token-submit">
          Create token
        </button>
      </form>
    </section>
  );
}
