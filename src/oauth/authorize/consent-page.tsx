import type { AppContext } from '../../kernel/index.js';
import { isLoopbackUrl } from '../clients/redirect-uri-rules.js';
import type { AuthorizationRequest } from './authorization-request.js';

/** Warnings a person should read before approving this client. */
function warnings(req: AuthorizationRequest): string[] {
  const out: string[] = [];
  const c = req.client;
  if (c.source === 'dcr')
    out.push('This app registered itself: its name is not verified by anyone. Approve only if you started this connection yourself.');
  if (c.source === 'cimd') out.push(`This app is identified by ${new URL(c.clientId).host}; its name is what that site says about itself.`);
  if (c.redirectUris.length > 0 && c.redirectUris.every((u) => isLoopbackUrl(new URL(u)))) {
    out.push('This app runs on a computer (localhost), not on a website: make sure it is a program you started.');
  }
  return out;
}

/** The consent form: who asks, where the answer goes, what for (each scope with its description), approve or deny. */
export function ConsentPage({ ctx, req, csrfToken }: { ctx: AppContext; req: AuthorizationRequest; csrfToken?: string }) {
  const hidden: Array<[string, string]> = [];
  for (const [k, v] of Object.entries(req.raw)) {
    if (k === '_csrf' || k === 'decision') continue; // the form sets these itself
    for (const one of Array.isArray(v) ? v : [v]) if (typeof one === 'string') hidden.push([k, one]);
  }
  return (
    <article data-testid="consent">
      <p>
        <strong data-testid="client-name">{req.client.name}</strong> wants to access your account.
      </p>
      <p>
        After you answer, you go back to <code data-testid="redirect-host">{new URL(req.redirectUri).host}</code>.
      </p>
      {warnings(req).map((w) => (
        <p class="flash flash-error" role="alert" data-testid="consent-warning">
          {w}
        </p>
      ))}
      <h2>It will be able to</h2>
      <ul data-testid="scopes">
        {req.scopes.length === 0 ? <li>Nothing beyond knowing it is connected</li> : null}
        {req.scopes.map((s) => (
          <li>
            <code>{s}</code>: {ctx.registries.scopes.get(s)?.description ?? s}
          </li>
        ))}
      </ul>
      <p>
        On:{' '}
        {req.resources.map((r, i) => (
          <>
            {i ? ', ' : ''}
            <strong>{r.name}</strong> (<code>{r.url}</code>)
          </>
        ))}
      </p>
      {/* Relative to the page (/oauth/authorize/page), so it stays under the public URL's path. */}
      <form method="post" action="approve" data-testid="consent-form">
        <input type="hidden" name="_csrf" value={csrfToken} />
        {hidden.map(([k, v]) => (
          <input type="hidden" name={k} value={v} />
        ))}
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
