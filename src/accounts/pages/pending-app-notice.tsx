import type { PendingApp } from '../../kernel/index.js';
import { UnverifiedBadge } from '../../web/index.js';

/**
 * "Sign in to continue to Notes": the app a pending OAuth flow is for, on the sign-in and sign-up pages. Its name
 * is text (escaped), labelled unverified as consent labels it; nothing is shown when no app is waiting.
 */
export function PendingAppNotice({ app, lead }: { app?: PendingApp; lead: string }) {
  if (!app) return null;
  return (
    <p data-testid="app-waiting">
      {lead} <strong data-testid="waiting-app-name">{app.name}</strong>
      {app.verified ? null : (
        <>
          {' '}
          <UnverifiedBadge />
        </>
      )}
      . After that you will see what it asks for, and decide.
    </p>
  );
}
