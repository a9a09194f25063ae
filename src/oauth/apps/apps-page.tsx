import { Flash, TimeText, type FlashMessage } from '../../web/index.js';
import type { AuthorizedApp } from './list-grants.js';

export interface AppsPageProps {
  apps: AuthorizedApp[];
  /** A scope's plain-words description (its registry entry), or the code itself. */
  describe: (scope: string) => string;
  flash: FlashMessage;
  /**
   * Each grant's limits in words (the consent form parts': the proxy's policy), by grant id; a grant absent here has
   * no part that applies to its scopes (no "Edit limits"), one with an empty list has none set.
   */
  limits?: Map<string, string[]>;
}

/** "Authorized apps": what each app may do (in plain words first), for which service, since when; revoke (confirmed). */
export function AppsPage({ apps, describe, flash, limits }: AppsPageProps) {
  return (
    <section data-page="apps">
      <Flash kind="error" message={flash.error} />
      <Flash kind="ok" message={flash.ok} />
      {apps.length === 0 ? (
        <p data-testid="no-apps">No app has access to your account. Apps you allow when you sign in with oauth3 appear here.</p>
      ) : (
        <table data-testid="apps" class="cards">
          <thead>
            <tr>
              <th scope="col">App</th>
              <th scope="col">Can</th>
              <th scope="col">Service</th>
              <th scope="col">Allowed</th>
              <th scope="col">Last used</th>
              <th scope="col">
                <span class="muted">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {apps.map((a) => (
              <tr data-testid="app-row" data-grant={a.grantId}>
                <td data-label="App">
                  <strong>{a.clientName}</strong>
                </td>
                <td data-label="Can">
                  {a.scopes.length
                    ? a.scopes.map((s) => (
                        <span class="scope">
                          {describe(s)} <code>{s}</code>
                        </span>
                      ))
                    : '—'}
                  {limits?.has(a.grantId) ? (
                    <p class="muted" data-testid="app-limits">
                      Limits: {limits.get(a.grantId)!.length ? limits.get(a.grantId)!.join('; ') : 'none'} ·{' '}
                      <a href={`/account/apps/${encodeURIComponent(a.grantId)}/limits`} data-testid="edit-app-limits">
                        Edit limits
                      </a>
                    </p>
                  ) : null}
                </td>
                <td data-label="Service">
                  {a.resources.map((r) => (
                    <code>{r}</code>
                  ))}
                </td>
                <td data-label="Allowed">
                  <TimeText ms={a.firstUsedAt} />
                </td>
                <td data-label="Last used">
                  <TimeText ms={a.lastUsedAt} />
                </td>
                <td data-label="">
                  <a
                    href={`/account/apps/${encodeURIComponent(a.grantId)}/revoke`}
                    role="button"
                    class="secondary"
                    data-testid="revoke-app"
                  >
                    Revoke
                  </a>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
