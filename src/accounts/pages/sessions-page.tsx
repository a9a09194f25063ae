import { Flash, TimeText } from '../../web/index.js';
import type { SessionInfo } from '../sessions.js';
import { deviceName } from '../device-name.js';

export interface SessionsPageProps {
  sessions: SessionInfo[];
  currentId?: string;
  csrfToken?: string;
  error?: string | null;
  ok?: string | null;
}

/** Sessions: every live session, this device first and named from its browser; sign one out or all others (each confirmed first). */
export function SessionsPage({ sessions, currentId, error, ok }: SessionsPageProps) {
  const ordered = [...sessions.filter((s) => s.id === currentId), ...sessions.filter((s) => s.id !== currentId)];
  return (
    <section data-page="sessions">
      <Flash kind="error" message={error} />
      <Flash kind="ok" message={ok} />
      <table class="cards">
        <thead>
          <tr>
            <th scope="col">Device</th>
            <th scope="col">Address</th>
            <th scope="col">Signed in</th>
            <th scope="col">Last active</th>
            <th scope="col">Expires</th>
            <th scope="col">
              <span class="muted">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {ordered.map((s) => (
            <tr data-testid="session-row" data-session-id={s.id} data-current={s.id === currentId ? 'true' : undefined}>
              <td data-label="Device">
                <strong title={s.userAgent ?? undefined}>{deviceName(s.userAgent)}</strong>{' '}
                {s.id === currentId ? (
                  <span class="badge" data-testid="this-session">
                    this device
                  </span>
                ) : null}
              </td>
              <td data-label="Address">{s.ip ?? ''}</td>
              <td data-label="Signed in">
                <TimeText ms={s.createdAt} />
              </td>
              <td data-label="Last active">
                <TimeText ms={s.lastSeenAt} />
              </td>
              <td data-label="Expires">
                <TimeText ms={s.expiresAt} />
              </td>
              <td data-label="">
                <a
                  href={`/account/sessions/${encodeURIComponent(s.id)}/revoke`}
                  role="button"
                  class="secondary"
                  data-testid="revoke-session"
                >
                  {s.id === currentId ? 'Sign out' : 'Sign out device'}
                </a>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {ordered.length > 1 ? (
        <p>
          <a href="/account/sessions/revoke-others" role="button" class="contrast outline" data-testid="logout-others">
            Log out other devices
          </a>
        </p>
      ) : null}
    </section>
  );
}
