import { GrantingAccount, type AccountName } from '../../accounts/index.js';
import { CsrfField, Flash } from '../../web/index.js';
import type { KeyField } from '../providers/index.js';
import { KeyInputs } from '../pages/key-form.js';
import { ScopeItems } from '../pages/scope-items.js';

export interface ConnectApprovalProps {
  sessionId: string;
  /** The name of the server (its API key's name) that asks; null when the person started it. */
  serverName: string | null;
  providerName: string;
  scopes: string[];
  /** The upstream account already connected, if any (approving connects it again). */
  connectedAs?: string | null;
  /** Who is signed in here: username or email, else the passkey of this session (never the id). */
  account: AccountName;
  csrfToken?: string;
  /** A key provider: the fields the person enters instead of going upstream. */
  keyFields?: readonly KeyField[];
  /** Why the entered values were refused. */
  error?: string;
}

/**
 * The card of `/auth/connect/<id>`: "*server* asks to use your *provider* account for *scopes*", who is signed in
 * ("Not you?"), what the server gets and what it never gets, Approve or Deny (one CSRF-protected form). For a
 * key provider the form holds its fields: approving enters the key.
 */
export function ConnectApproval(p: ConnectApprovalProps) {
  const action = `/auth/connect/${encodeURIComponent(p.sessionId)}`;
  return (
    <article data-testid="connect-approval" class="consent">
      <header>
        {p.serverName ? (
          <p>
            <strong data-testid="connect-server">{p.serverName}</strong> asks to use your{' '}
            <strong data-testid="connect-provider">{p.providerName}</strong> account.
          </p>
        ) : (
          <p>
            Connect your <strong data-testid="connect-provider">{p.providerName}</strong> account to oauth3.
          </p>
        )}
        <GrantingAccount account={p.account} notYouHref={`/logout?return_to=${encodeURIComponent(action)}`} />
      </header>
      {p.keyFields ? null : (
        <section class="scope-group">
          <h2 class="scope-group-title">For</h2>
          <ScopeItems scopes={p.scopes} />
        </section>
      )}
      {p.connectedAs !== undefined ? (
        <p class="muted" data-testid="already-connected">
          Your {p.providerName} account{p.connectedAs ? ` ${p.connectedAs}` : ''} is connected already: approving{' '}
          {p.keyFields ? 'replaces its key' : 'connects it again'}.
        </p>
      ) : null}
      {p.keyFields ? (
        <p class="muted">
          The gateway seals what you enter and never shows it again. {p.serverName ?? 'A server you allow'} gets it from the gateway when it
          acts for you. You can take this back any time under Connections.
        </p>
      ) : (
        <p class="muted">
          You sign in at {p.providerName} and agree there, then come back here.{' '}
          {p.serverName ? `${p.serverName} gets` : 'Servers you allow get'} short-lived {p.providerName} tokens from the gateway, never your{' '}
          {p.providerName} password or its refresh token. You can take this back any time under Connections.
        </p>
      )}
      {/* Relative to the page (/auth/connect/<id>): the same URL, under whatever path the gateway is served. */}
      <form method="post" action={encodeURIComponent(p.sessionId)} data-testid="connect-form">
        <CsrfField token={p.csrfToken} />
        <Flash kind="error" message={p.error} />
        {p.keyFields ? <KeyInputs fields={p.keyFields} /> : null}
        <div class="grid">
          <button type="submit" name="decision" value="approve" data-testid="approve">
            Approve
          </button>
          <button type="submit" name="decision" value="deny" class="secondary" formNoValidate data-testid="deny">
            Deny
          </button>
        </div>
      </form>
    </article>
  );
}
