/** What oauth3 is, for a visitor: what it does for them, and the ways in. */
export function LandingPage() {
  return (
    <section data-page="landing" data-testid="landing">
      <p>
        <strong>oauth3</strong> lets you give AI agents, scripts and apps access to the services you use, with exactly the rights you pick,
        for as long as you say, and take it back at any time. They never see your passwords or your own keys.
      </p>
      <ul>
        <li>Sign in with a passkey: nothing to remember, nothing to phish.</li>
        <li>Delegate narrow, expiring rights to an agent; see what each one did; revoke with one click.</li>
        <li>Connect apps and MCP clients through a standard OAuth sign-in, and remove them when you are done.</li>
      </ul>
      <p class="row-actions">
        <a href="/signup" role="button" data-testid="landing-sign-up">
          Create an account
        </a>
        <a href="/login" role="button" class="secondary outline" data-testid="landing-sign-in">
          Sign in
        </a>
        <a href="/docs">API documentation</a>
      </p>
    </section>
  );
}
