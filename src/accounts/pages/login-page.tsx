import type { PendingApp } from '../../kernel/index.js';
import { PendingAppNotice } from './pending-app-notice.js';

/** Sign-in: discoverable passkey login (button) and conditional UI (autofill on the username field). */
export function LoginPage({ returnTo, app, error }: { returnTo: string; app?: PendingApp; error?: string }) {
  return (
    <section data-page="login" data-return-to={returnTo}>
      <PendingAppNotice app={app} lead="Sign in to continue to" />
      <p>Sign in with a passkey saved on this device, a phone or a security key. Nothing to type.</p>
      <p id="message" role="alert" class="flash flash-error" data-testid="message">
        {error ?? ''}
      </p>
      <form id="passkey-sign-in" action="/login" method="get">
        <label for="username">
          Account (optional: your browser may offer your passkeys here)
          <input id="username" name="username" type="text" autocomplete="username webauthn" placeholder="Choose a passkey" />
        </label>
        <button type="submit" data-testid="sign-in">
          Sign in with a passkey
        </button>
      </form>
      <p class="muted">
        No account yet? <a href={`/signup?return_to=${encodeURIComponent(returnTo)}`}>Create one with a passkey</a>.
      </p>
      <noscript>
        <p>Passkeys need JavaScript enabled.</p>
      </noscript>
    </section>
  );
}
