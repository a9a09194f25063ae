import { CsrfField, Flash, TimeText } from '../../web/index.js';
import type { Passkey } from '../passkeys.js';

export interface PasskeysPageProps {
  passkeys: Passkey[];
  csrfToken?: string;
  error?: string | null;
  ok?: string | null;
}

/** Passkeys: each with device name (renamable), created, last used, synced flag, transports; add and remove. */
export function PasskeysPage({ passkeys, csrfToken, error, ok }: PasskeysPageProps) {
  return (
    <section data-page="passkeys">
      <Flash kind="error" message={error} />
      <Flash kind="ok" message={ok} />
      <p id="message" role="alert" class="flash flash-error" data-testid="message"></p>
      <div>
        <table class="cards">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Created</th>
              <th scope="col">Last used</th>
              <th scope="col">Synced</th>
              <th scope="col">Transports</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {passkeys.map((p) => (
              <tr data-testid="passkey-row" data-passkey-id={p.id}>
                <td data-label="Name" data-testid="passkey-name">
                  {p.name}
                </td>
                <td data-label="Created">
                  <TimeText ms={p.createdAt} />
                </td>
                <td data-label="Last used">
                  <TimeText ms={p.lastUsedAt} />
                </td>
                <td data-label="Synced">{p.backedUp ? 'yes (backed up)' : 'no (this device only)'}</td>
                <td data-label="Transports">{p.transports.length ? p.transports.join(', ') : <span class="muted">unknown</span>}</td>
                <td data-label="">
                  <div class="row-actions">
                    <form method="post" action={`/account/passkeys/${encodeURIComponent(p.id)}/rename`} class="inline-form">
                      <CsrfField token={csrfToken} />
                      <label>
                        <span class="muted">New name for {p.name}</span>
                        <input name="name" required maxLength={64} value={p.name} data-testid="rename-input" />
                      </label>
                      <button type="submit" class="secondary" data-testid="rename">
                        Rename
                      </button>
                    </form>
                    <a
                      href={`/account/passkeys/${encodeURIComponent(p.id)}/remove`}
                      role="button"
                      class="contrast outline"
                      data-testid="remove"
                      aria-label={`Remove passkey ${p.name}`}
                    >
                      Remove
                    </a>
                  </div>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <form id="add-passkey" action="/account/passkeys" method="get">
        <label for="new-passkey-name">
          Name for the new passkey (optional)
          <input id="new-passkey-name" name="name" maxLength={64} placeholder="e.g. Work laptop" />
        </label>
        <button type="submit" data-testid="add-passkey">
          Add a passkey
        </button>
      </form>
    </section>
  );
}
