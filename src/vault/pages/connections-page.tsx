import type { TeeFact } from '../../kernel/index.js';
import { CsrfField, Flash, TeeNotice, type FlashMessage } from '../../web/index.js';
import type { Provider } from '../providers/index.js';
import { ConnectionCard } from './connection-card.js';
import type { ConnectionView } from './list-connections.js';

export interface ConnectionsPageProps {
  connections: ConnectionView[];
  /** Configured providers not connected yet. */
  notConnected: Provider[];
  /** Whether any provider is configured at all. */
  configured: boolean;
  csrfToken?: string;
  flash: FlashMessage;
  /** `ctx.tee`: whether the gateway runs in a TEE (a line says so); and its public URL, for the command that checks it. */
  tee: TeeFact | undefined;
  publicUrl: string;
}

/** One "Connect" button: OAuth providers post (and go upstream); key providers open their form. */
function ConnectButton({ p, csrfToken }: { p: Provider; csrfToken?: string }) {
  const action = `/account/connections/${encodeURIComponent(p.id)}/connect`;
  if (p.kind === 'api_key')
    return (
      <a href={action} role="button" class="secondary" data-testid="connect-provider" data-provider={p.id}>
        Add {p.name}…
      </a>
    );
  return (
    <form method="post" action={action} class="inline-form">
      <CsrfField token={csrfToken} />
      <button type="submit" data-testid="connect-provider" data-provider={p.id}>
        Connect {p.name}
      </button>
    </form>
  );
}

/**
 * Connections: one card per connected upstream account, then "Connect an account" with a button per configured
 * provider not yet connected; an empty state says how an operator configures providers.
 */
export function ConnectionsPage({ connections, notConnected, configured, csrfToken, flash, tee, publicUrl }: ConnectionsPageProps) {
  return (
    <section data-page="connections">
      <Flash kind="error" message={flash.error} />
      <Flash kind="ok" message={flash.ok} />
      <p class="muted">
        Accounts you connect here stay with the gateway, sealed. Servers you allow get short-lived tokens of them, never your password or
        the account's refresh token.
      </p>
      <TeeNotice tee={tee} publicUrl={publicUrl} />
      {connections.length === 0 ? (
        <p data-testid="no-connections">You have not connected any account yet.</p>
      ) : (
        connections.map((c) => <ConnectionCard c={c} csrfToken={csrfToken} />)
      )}
      <h2>Connect an account</h2>
      {!configured ? (
        <p data-testid="no-providers">
          No providers are configured on this gateway yet. Its operator adds them (Google, GitHub, Microsoft, Slack, X, a Telegram bot, …)
          with <code>OAUTH3_PROVIDERS</code> or a providers file named by <code>OAUTH3_PROVIDERS_FILE</code>; see{' '}
          <a href="/docs">the documentation</a>.
        </p>
      ) : notConnected.length === 0 ? (
        <p class="muted" data-testid="all-connected">
          Every configured provider is connected.
        </p>
      ) : (
        <div class="row-actions" data-testid="connect-providers">
          {notConnected.map((p) => (
            <ConnectButton p={p} csrfToken={csrfToken} />
          ))}
        </div>
      )}
    </section>
  );
}
