import { CsrfField, TimeText } from '../../web/index.js';
import type { ConnectionView } from './list-connections.js';
import { ScopeItems } from './scope-items.js';

const enc = encodeURIComponent;

/** The status line of a connection: active, needs re-authorization (and why), or the upstream not answering. */
function Status({ c }: { c: ConnectionView }) {
  if (c.kind === 'gone')
    return (
      <span class="badge" data-testid="connection-status" data-status="gone">
        provider no longer configured
      </span>
    );
  if (c.status === 'needs_reauth')
    return (
      <>
        <span class="badge flash-error" data-testid="connection-status" data-status="needs_reauth">
          needs re-authorization
        </span>
        <p class="flash flash-error" role="alert">
          {c.providerName} refused the stored authorization{c.lastError ? ` (${c.lastError})` : ''}: servers get no token until you connect
          it again.
        </p>
      </>
    );
  if (c.status === 'unavailable')
    return (
      <>
        <span class="badge" data-testid="connection-status" data-status="unavailable">
          {c.providerName} not answering
        </span>
        <p class="muted">
          The last refresh failed{c.lastError ? ` (${c.lastError})` : ''}; the gateway tries again
          {c.retryAfter ? (
            <>
              {' '}
              after <TimeText ms={c.retryAfter} />
            </>
          ) : (
            ' when a server next asks'
          )}
          . Nothing to do on your side.
        </p>
      </>
    );
  return (
    <span class="badge" data-testid="connection-status" data-status="active">
      active
    </span>
  );
}

/**
 * One connection: provider and upstream account, status, what it may be used for, when it was refreshed and last
 * used and by whom, the servers allowed to use it (each revocable after a confirmation), "Connect again" when the
 * provider refused it, and Disconnect (confirmed on the next page).
 */
export function ConnectionCard({ c, csrfToken }: { c: ConnectionView; csrfToken?: string }) {
  const base = `/account/connections/${enc(c.provider)}`;
  return (
    <article data-testid="connection" data-provider={c.provider}>
      <header>
        <strong>{c.providerName}</strong>
        {c.account ? (
          <>
            {' · '}
            <span data-testid="connection-account">{c.account}</span>
          </>
        ) : null}{' '}
        <Status c={c} />
      </header>
      {c.kind !== 'key' ? (
        <section class="scope-group">
          <h2 class="scope-group-title">May be used to</h2>
          <ScopeItems scopes={c.scopes} />
        </section>
      ) : null}
      <p class="muted">
        Connected <TimeText ms={c.connectedAt} />
        {c.kind !== 'key' ? (
          <>
            {' · '}refreshed <TimeText ms={c.refreshedAt} />
          </>
        ) : null}
        {' · '}last used <TimeText ms={c.lastUsedAt} />
        {c.lastUsedBy ? (
          <>
            {' by '}
            <strong data-testid="last-used-by">{c.lastUsedBy}</strong>
          </>
        ) : null}
      </p>
      <section>
        <h2 class="scope-group-title">Servers allowed to use it</h2>
        {c.servers.length === 0 ? (
          <p class="muted" data-testid="no-servers">
            None yet. A server you approve when it asks for this account appears here.
          </p>
        ) : (
          <table class="cards" data-testid="servers">
            <thead>
              <tr>
                <th scope="col">Server</th>
                <th scope="col">Allowed</th>
                <th scope="col">
                  <span class="muted">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {c.servers.map((s) => (
                <tr data-testid="allowed-server" data-server={s.server}>
                  <td data-label="Server">
                    <strong>{s.name}</strong>
                  </td>
                  <td data-label="Allowed">
                    <TimeText ms={s.since} />
                  </td>
                  <td data-label="">
                    <a href={`${base}/servers/${enc(s.server)}/revoke`} role="button" class="secondary outline" data-testid="revoke-server">
                      Revoke…
                    </a>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <footer class="row-actions">
        {c.status === 'needs_reauth' && c.kind === 'oauth' ? (
          <form method="post" action={`${base}/connect`} class="inline-form">
            <CsrfField token={csrfToken} />
            <button type="submit" data-testid="connect-again">
              Connect again
            </button>
          </form>
        ) : null}
        {c.kind === 'key' ? (
          <a href={`${base}/connect`} role="button" class="secondary outline" data-testid="replace-key">
            Replace the key…
          </a>
        ) : null}
        <a href={`${base}/disconnect`} role="button" class="contrast outline" data-testid="disconnect">
          Disconnect…
        </a>
      </footer>
    </article>
  );
}
