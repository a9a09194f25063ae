import type { ApiTokenInfo } from './api-token-service.js';
import { Flash, CsrfField, SecretBox, TimeText, type FlashMessage } from '../web/index.js';
import { PolicyFields } from '../proxy/index.js';

export interface ApiTokensPageProps {
  tokens: ApiTokenInfo[];
  /** Scopes the person may put on a token (name + description). */
  scopes: Array<{ name: string; description: string }>;
  defaultDays: number;
  allowNoExpiry: boolean;
  csrfToken?: string;
  /** What the last action did (and the token it created, shown this once). */
  flash: FlashMessage;
  /** Form values to keep after a refused create (`policy`: the limit fields as sent, shown again as typed). */
  values?: { name?: string; scopes?: string[]; policy?: Record<string, unknown> };
  /** The actions of the scopes offered, for the limits part (PolicyFields keys: `{plugin}.{action}` and its title). */
  policyKeys?: Array<{ name: string; label: string }>;
  now?: number;
}

const DAY = 86_400_000;
const dateOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** One token as a row on wide screens and a card on narrow ones (see table.cards in app.css). */
function TokenRow({ t, describe }: { t: ApiTokenInfo; describe: (scope: string) => string }) {
  return (
    <tr data-testid="token-row" data-token-id={t.id}>
      <td data-label="Name">
        <strong>{t.name}</strong>
      </td>
      <td data-label="Can">
        {t.scopes.map((s) => (
          <span class="scope">
            {describe(s)} <code>{s}</code>
          </span>
        ))}
      </td>
      <td data-label="Created">
        <TimeText ms={t.createdAt} />
      </td>
      <td data-label="Last used">
        <TimeText ms={t.lastUsedAt} />
        {t.lastUsedIp ? ` from ${t.lastUsedIp}` : ''}
      </td>
      <td data-label="Expires">{t.expiresAt === null ? 'never' : <TimeText ms={t.expiresAt} />}</td>
      <td data-label="">
        {t.revokedAt !== null ? (
          <span class="muted">revoked</span>
        ) : (
          <a href={`/account/tokens/${encodeURIComponent(t.id)}/revoke`} role="button" class="secondary" data-testid="revoke-token">
            Revoke
          </a>
        )}
      </td>
    </tr>
  );
}

/** API tokens: the list (name, what it can do, created, last use, expiry), the create form, revoke one or all (each confirmed first). */
export function ApiTokensPage(p: ApiTokensPageProps) {
  const now = p.now ?? Date.now();
  const live = p.tokens.filter((t) => t.revokedAt === null);
  const descriptions = new Map(p.scopes.map((s) => [s.name, s.description]));
  const describe = (s: string) => descriptions.get(s) ?? s;
  const checked = new Set(p.values?.scopes ?? []);
  const choices = [...new Set([7, 30, 90, p.defaultDays])].sort((a, b) => a - b);
  return (
    <section data-page="api-tokens">
      <Flash kind="error" message={p.flash.error} />
      <Flash kind="ok" message={p.flash.ok} />
      <SecretBox secret={p.flash.secret} />
      {p.tokens.length === 0 ? (
        <p data-testid="no-tokens">No tokens yet. A token lets a script or a tool act for you with the rights you pick below.</p>
      ) : (
        <table class="cards">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Can</th>
              <th scope="col">Created</th>
              <th scope="col">Last used</th>
              <th scope="col">Expires</th>
              <th scope="col">
                <span class="muted">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {p.tokens.map((t) => (
              <TokenRow t={t} describe={describe} />
            ))}
          </tbody>
        </table>
      )}
      {live.length > 1 ? (
        <p>
          <a href="/account/tokens/revoke-all" role="button" class="contrast outline" data-testid="revoke-all-tokens">
            Revoke all tokens
          </a>
        </p>
      ) : null}
      <h2>New token</h2>
      <form method="post" action="/account/tokens" data-testid="create-token">
        <CsrfField token={p.csrfToken} />
        <label>
          Name <input name="name" required maxLength={100} value={p.values?.name ?? ''} placeholder="e.g. laptop backup script" />
        </label>
        <fieldset>
          <legend>What it may do</legend>
          {p.scopes.map((s) => (
            <label>
              <input type="checkbox" name="scopes" value={s.name} checked={checked.has(s.name)} /> {s.description} <code>{s.name}</code>
            </label>
          ))}
        </fieldset>
        <PolicyFields keys={p.policyKeys ?? []} submitted={p.values?.policy} />
        <fieldset>
          <legend>Expires</legend>
          {choices.map((d) => (
            <label>
              <input type="radio" name="expires_in_days" value={String(d)} checked={d === p.defaultDays} /> in {d} days{' '}
              <span class="muted">({dateOf(now + d * DAY)})</span>
            </label>
          ))}
          <label>
            <input type="radio" name="expires_in_days" value="date" /> on{' '}
            <input
              type="date"
              name="expires_on"
              min={dateOf(now + DAY)}
              max={dateOf(now + 3650 * DAY)}
              aria-label="expiry date"
              class="inline-date"
            />
          </label>
          {p.allowNoExpiry ? (
            <label>
              <input type="radio" name="expires_in_days" value="never" /> never
            </label>
          ) : null}
        </fieldset>
        <button type="submit" data-testid="create-token-submit">
          Create token
        </button>
      </form>
    </section>
  );
}
