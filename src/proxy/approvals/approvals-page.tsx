import { CsrfField, Flash, TimeText } from '../../web/index.js';

/** One pending approval as the person sees it: who asks (names), what, with which exact arguments, until when. */
export interface ApprovalView {
  id: string;
  chain: string[];
  actionTitle: string;
  qualifiedName: string;
  /** The exact arguments, as pretty JSON. */
  argumentsText: string;
  expiresAt: number;
}

export interface ApprovalsPageProps {
  approvals: ApprovalView[];
  csrfToken?: string;
  ok?: string | null;
  error?: string | null;
}

/**
 * Approvals: the agents' calls waiting for the person ("ask me each time"). Approve is a passkey assertion bound to
 * that one call (the browser script); Deny is a form.
 */
export function ApprovalsPage({ approvals, csrfToken, ok, error }: ApprovalsPageProps) {
  return (
    <section data-page="approvals">
      <Flash kind="error" message={error} />
      <Flash kind="ok" message={ok} />
      <p id="message" role="status" aria-live="polite"></p>
      {approvals.length === 0 ? (
        <p data-testid="no-approvals">No agent is waiting for your approval.</p>
      ) : (
        approvals.map((a) => (
          <article id={a.id} data-testid="approval" data-approval-id={a.id}>
            <header>
              <strong>{a.actionTitle}</strong> <code>{a.qualifiedName}</code>
            </header>
            <p>
              Asked by <span data-testid="approval-chain">{a.chain.join(' on behalf of ')}</span>; expires <TimeText ms={a.expiresAt} />.
            </p>
            <pre data-testid="approval-arguments">{a.argumentsText}</pre>
            <div class="grid">
              <form data-approve={a.id}>
                <button type="submit" data-testid="approve">
                  Approve with a passkey
                </button>
              </form>
              <form method="post" action={`/account/approvals/${encodeURIComponent(a.id)}/deny`}>
                <CsrfField token={csrfToken} />
                <button type="submit" class="secondary" data-testid="deny">
                  Deny
                </button>
              </form>
            </div>
          </article>
        ))
      )}
    </section>
  );
}
