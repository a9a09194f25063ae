import { CsrfField, Flash, TimeText } from '../../web/index.js';
import type { SessionInfo } from '../sessions.js';

export interface SessionsPageProps {
  sessions: SessionInfo[];
  currentId?: string;
  csrfToken?: string;
  error?: string | null;
  ok?: string | null;
}

/** Sessions: every live session (this one marked) with revoke, and "Log out other devices". */
export function SessionsPage({ sessions, currentId, csrfToken, error, ok }: SessionsPageProps) {
  return (
    <section data-page="sessions">
      <Flash kind="error" message={error} />
      <Flash kind="ok" message={ok} />
      <div class="overflow-auto">
        <table>
          <thead>
            <tr>
              <th scope="col">Device</th>
              <th scope="col">IP</th>
              <th scope="col">Started</th>
              <th scope="col">Last seen</th>
              <th scope="col">Expires</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {sessions.map((s) => (
              <tr data-testid="session-row" data-session-id={s.id} data-current={s.id === currentId ? 'true' : undefined}>
                <td>
                  {s.userAgent ?? 'unknown'}{' '}
                  {s.id === currentId ? (
                    <strong class="badge" data-testid="this-session">
                      this session
                    </strong>
                  ) : null}
                </td>
                <td>{s.ip ?? ''}</td>
                <td>
                  <TimeText ms={s.createdAt} />
                </td>
                <td>
                  <TimeText ms={s.lastSeenAt} />
                </td>
                <td>
                  <TimeText ms={s.expiresAt} />
                </td>
                <td>
                  <form method="post" action={`/account/sessions/${encodeURIComponent(s.id)}/revoke`} class="inline-form">
                    <CsrfField token={csrfToken} />
                    <button type="submit" class="secondary" data-testid="revoke-session">
                      {s.id === currentId ? 'Sign out' : 'Revoke'}
                    </button>
                  </form>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <form method="post" action="/account/sessions/revoke-others">
        <CsrfField token={csrfToken} />
        <button type="submit" class="contrast" data-testid="logout-others">
          Log out other devices
        </button>
      </form>
    </section>
  );
}
