/** The neutral label of a client that registered itself: nobody has checked its name (consent, sign-in, sign-up). */
export function UnverifiedBadge() {
  return (
    <span class="badge" data-testid="unverified" title="This app registered itself: nobody has checked its name.">
      unverified
    </span>
  );
}
