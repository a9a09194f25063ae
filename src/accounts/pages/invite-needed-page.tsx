/** Shown at /signup when OAUTH3_SIGNUP needs an invitation this browser does not have (or sign-up is closed). */
export function InviteNeededPage({ message, returnTo }: { message: string; returnTo: string }) {
  return (
    <section data-page="invite-needed">
      <p class="flash flash-error" role="alert" data-testid="message">
        {message}
      </p>
      <p>
        Accounts on this gateway are made by invitation: its operator runs <code>oauth3 invite</code> and sends you the link it prints. Open
        that link in this browser to create your account.
      </p>
      <p class="muted">
        Already have an account? <a href={`/login?return_to=${encodeURIComponent(returnTo)}`}>Sign in</a>.
      </p>
    </section>
  );
}
