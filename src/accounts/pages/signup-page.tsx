import type { PendingApp } from '../../kernel/index.js';
import { PendingAppNotice } from './pending-app-notice.js';

/** Sign-up: one button, no username up front (a discoverable passkey is the account). */
export function SignupPage({ returnTo, app }: { returnTo: string; app?: PendingApp }) {
  return (
    <section data-page="signup" data-return-to={returnTo}>
      <PendingAppNotice app={app} lead="Create your account to continue to" />
      <p>Your account is a passkey: no password, no username needed. You can add a username, email and more later.</p>
      <p id="message" role="alert" class="flash flash-error" data-testid="message"></p>
      <form id="passkey-sign-up" action="/signup" method="get">
        <button type="submit" data-testid="sign-up">
          Create account with a passkey
        </button>
      </form>
      <p class="muted">
        Already have one? <a href={`/login?return_to=${encodeURIComponent(returnTo)}`}>Sign in</a>.
      </p>
      <noscript>
        <p>Passkeys need JavaScript enabled.</p>
      </noscript>
    </section>
  );
}
