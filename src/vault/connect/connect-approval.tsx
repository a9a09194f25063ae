import type { AccountName } from '../../accounts/index.js';
import { CsrfField } from '../../web/index.js';
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
}

/**
 * The card of `/auth/connect/<id>`: "*server* asks to use your *provider* account for *scopes*", who is signed in
 * ("Not you?"), what the server gets and what it never gets, Approve or Deny (one CSRF-protected form).
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
        <p class="muted" data-testid="granting-account">
          {p.account.name ? 'Signed in as ' : p.account.passkey ? 'Signed in with your passkey ' : 'Signed in to '}
          <strong>{p.account.name ?? p.account.passkey ?? 'your account'}</strong>
          {p.account.name || p.account.passkey ? '' : ' (it has no username yet)'} ·{' '}
          <a href={`/logout?return_to=${encodeURIComponent(action)}`} data-testid="not-you">
            Not you?
          </a>
        </p>
      </header>
      <section class="scope-group">
        <h2 class="scope-group-title">For</h2>
        <ScopeItems scopes={p.scopes} />
      </section>
      {p.connectedAs !== undefined ? (
        <p class="muted" data-testid="already-connected">
          Your {p.providerName} account{p.connectedAs ? ` ${p.connectedAs}` : ''} is connected already: approving connects it again.
        </p>
      ) : null}
      <p class="muted">
        You sign in at {p.providerName} and agree there, then come back here.{' '}
        {p.serverName ? `${p.serverName} gets` : 'Servers you allow get'} short-lived {p.providerName} tokens from the gateway, never your{' '}
        {p.providerName} password or its refresh token. You can take this back any time under Connections.
      </p>
      <form method="post" action={action} data-testid="connect-form">
        <CsrfField token={p.csrfToken} />
        <div class="grid">
          <button type="submit" name="decision" value="approve" data-testid="approve">
            Approve
          </button>
          <button type="submit" name="decision" value="deny" class="secondary" data-testid="deny">
            Deny
          </button>
        </div>
      </form>
    </article>
  );
}
