import type { AuditEntry } from '../../audit/index.js';
import { TimeText } from '../../web/index.js';

export interface EventsPageProps {
  events: AuditEntry[];
  kinds: string[];
  kind?: string;
  /** Cursor of the next (older) page. */
  next?: string;
}

const detailText = (d: Record<string, unknown>) =>
  Object.entries(d)
    .map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join(', ') : typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v)}`)
    .join('; ');

/** Access log: every security event of the account, newest first, paged and filterable by kind. */
export function EventsPage({ events, kinds, kind, next }: EventsPageProps) {
  return (
    <section data-page="events">
      <form method="get" action="/account/events" class="row-actions">
        <label for="kind">
          Kind
          <select id="kind" name="kind" data-testid="kind-filter">
            <option value="" selected={!kind}>
              All
            </option>
            {kinds.map((k) => (
              <option value={k} selected={k === kind}>
                {k}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" data-testid="filter">
          Filter
        </button>
      </form>
      <div class="overflow-auto">
        <table>
          <thead>
            <tr>
              <th scope="col">Time</th>
              <th scope="col">Kind</th>
              <th scope="col">Event</th>
              <th scope="col">Result</th>
              <th scope="col">IP</th>
              <th scope="col">User agent</th>
              <th scope="col">Detail</th>
            </tr>
          </thead>
          <tbody>
            {events.map((e) => (
              <tr data-testid="event-row" data-action={e.action} data-result={e.result}>
                <td>
                  <TimeText ms={e.time} />
                </td>
                <td>{e.kind}</td>
                <td>{e.label}</td>
                <td>{e.result === 'success' ? 'success' : <strong>{e.result}</strong>}</td>
                <td>{e.ip ?? ''}</td>
                <td class="muted">{e.userAgent ?? ''}</td>
                <td class="muted">{detailText(e.detail)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {events.length === 0 ? <p>No events.</p> : null}
      {next ? (
        <a href={`/account/events?${new URLSearchParams({ ...(kind ? { kind } : {}), before: next }).toString()}`} data-testid="older">
          Older events
        </a>
      ) : null}
    </section>
  );
}
