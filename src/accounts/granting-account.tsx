import type { AccountName } from './account-name.js';

/**
 * Who is about to grant, on a page that asks a person to approve something (consent, connecting an upstream
 * account): "Signed in as …" in human words (username or email, else the passkey of this session, never the id),
 * with "Not you?" leading to `notYouHref` (sign out, then back to the same request).
 */
export function GrantingAccount({ account, notYouHref }: { account: AccountName; notYouHref: string }) {
  return (
    <p class="muted" data-testid="granting-account">
      {account.name ? (
        <>
          Signed in as <strong>{account.name}</strong>
        </>
      ) : account.passkey ? (
        <>
          Signed in with your passkey <strong>{account.passkey}</strong>
        </>
      ) : (
        <>
          Signed in to <strong>your account</strong> (it has no username yet)
        </>
      )}{' '}
      ·{' '}
      <a href={notYouHref} data-testid="not-you">
        Not you?
      </a>
    </p>
  );
}
