import type { AuditEntry } from '../../audit/index.js';
import { TimeText } from '../../web/index.js';
import { deviceName } from '../device-name.js';

export interface EventsPageProps {
  events: AuditEntry[];
  kinds: string[];
  kind?: string;
  /** Cursor of the next (older) page. */
  next?: string;
}

/** Detail keys that hold ids or hashes: people see names and times instead, so these are left out. */
const isIdKey = (k: string) => /^(id|ids|jti|jtis|kid)$|(Id|Ids|_id|_ids|Jti|Hash)$/.test(k);
/** A value that is an opaque id (`dlg01a2…`, `tok_…`): a person cannot read it. */
const isIdValue = (v: unknown) => typeof v === 'string' && /^[a-z]{1,5}_?[0-9a-f]{20,}$/i.test(v);
const words = (k: string) =>
  k
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .replace(/_/g, ' ')
    .toLowerCase();

/** An event's detail in words: times as times, lists joined, ids and nested objects left out. */
function Detail({ d }: { d: Record<string, unknown> }) {
  const shown = Object.entries(d).filter(
    ([k, v]) => !isIdKey(k) && !isIdValue(v) && v !== null && v !== undefined && (Array.isArray(v) || typeof v !== 'object'),
  );
  return (
    <>
      {shown.map(([k, v], i) => (
        <>
          {i ? '; ' : ''}
          {words(k)}:{' '}
          {typeof v === 'number' && /At$|^exp/.test(k) ? (
            <TimeText ms={v > 1e11 ? v : v * 1000} />
          ) : Array.isArray(v) ? (
            v.filter((x) => typeof x !== 'object').join(', ')
          ) : (
            String(v)
          )}
        </>
      ))}
    </>
  );
}

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
      <table class="cards">
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">What</th>
            <th scope="col">Result</th>
            <th scope="col">From</th>
            <th scope="col">Detail</th>
          </tr>
        </thead>
        <tbody>
          {events.map((e) => (
            <tr
              data-testid="event-row"
              data-action={e.action}
              data-result={e.result}
              class={e.result === 'success' ? undefined : 'failure'}
            >
              <td data-label="When">
                <TimeText ms={e.time} />
              </td>
              <td data-label="What">
                {e.label} <span class="muted">{e.kind}</span>
              </td>
              <td data-label="Result">{e.result === 'success' ? 'success' : <strong class="flash-error">{e.result}</strong>}</td>
              <td data-label="From">
                {e.userAgent ? <span title={e.userAgent}>{deviceName(e.userAgent)}</span> : null}
                {e.ip ? <span class="muted"> {e.ip}</span> : null}
              </td>
              <td data-label="Detail" class="muted">
                <Detail d={e.detail} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {events.length === 0 ? <p>No events.</p> : null}
      {next ? (
        <a href={`/account/events?${new URLSearchParams({ ...(kind ? { kind } : {}), before: next }).toString()}`} data-testid="older">
          Older events
        </a>
      ) : null}
    </section>
  );
}
