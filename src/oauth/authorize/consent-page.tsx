import type { AppContext, ScopeInfo } from '../../kernel/index.js';
import { GrantingAccount, type AccountName } from '../../accounts/index.js';
import { TeeNotice, UnverifiedBadge } from '../../web/index.js';
import type { AuthorizationRequest } from './authorization-request.js';
import { consentRisks } from './consent-risks.js';

/** What a scope lets an app do, for grouping on the consent page: see, act for the person, or change their account. */
type ScopeGroup = NonNullable<ScopeInfo['group']>;
/** For a scope declared without a group (a resource's, a third-party module's): a guess from its name. */
const guessGroup = (scope: string): ScopeGroup =>
  /\.(manage|write)$|^delegate$/.test(scope) ? 'manage' : /^(openid|profile|offline_access)$|\.read$/.test(scope) ? 'read' : 'act';
const groupTitles: Array<[ScopeGroup, string]> = [
  ['read', 'See'],
  ['act', 'Act for you'],
  ['manage', 'Change your account'],
];

export interface ConsentPageProps {
  ctx: AppContext;
  req: AuthorizationRequest;
  csrfToken?: string;
  /** Who is granting: the account's username or email, else the passkey it signed in with (never its id). */
  account: AccountName;
  /** Where "Not you?" leads: sign out, then sign in again and come back to this request. */
  switchAccountHref: string;
  /** What the parts stored under the person's grant of exactly this request (its limits), by part name: pre-filled. */
  stored?: ReadonlyMap<string, unknown>;
}

/**
 * The consent card: who asks (with an "unverified" label when nobody vouches for the name), which account grants
 * ("not you?"), what the app may do grouped by kind (plain words first, codes second), where the answer goes,
 * warnings only for real risk, approve or deny.
 */
export function ConsentPage({ ctx, req, csrfToken, account, switchAccountHref, stored }: ConsentPageProps) {
  const parts = ctx.registries.grantFormParts.all();
  const limited = parts.some((p) => p.applies(req.scopes));
  const hidden: Array<[string, string]> = [];
  for (const [k, v] of Object.entries(req.raw)) {
    if (k === '_csrf' || k === 'decision') continue; // the form sets these itself
    if (parts.some((p) => p.owns(k))) continue; // a part's field, never carried over from the request
    for (const one of Array.isArray(v) ? v : [v]) if (typeof one === 'string') hidden.push([k, one]);
  }
  const risks = consentRisks(req);
  const groups = groupTitles
    .map(([g, title]) => [title, req.scopes.filter((s) => (ctx.registries.scopes.get(s)?.group ?? guessGroup(s)) === g)] as const)
    .filter(([, scopes]) => scopes.length > 0);
  return (
    <article data-testid="consent" class="consent">
      <header>
        <p>
          <strong data-testid="client-name">{req.client.name}</strong> {risks.unverified ? <UnverifiedBadge /> : null} wants to access your
          oauth3 account.
        </p>
        <GrantingAccount account={account} notYouHref={switchAccountHref} />
      </header>
      {risks.warnings.map((w) => (
        <p class="flash flash-error" role="alert" data-testid="consent-warning">
          {w}
        </p>
      ))}
      {risks.unverified ? (
        <p class="muted" data-testid="consent-note">
          This app registered itself: its name is not verified by anyone. Approve only if you started this connection yourself.
        </p>
      ) : null}
      {risks.notes.map((n) => (
        <p class="muted" data-testid="consent-note">
          {n}
        </p>
      ))}
      <div data-testid="scopes">
        {groups.length === 0 ? <p>It will only know that it is connected.</p> : null}
        {groups.map(([title, scopes]) => (
          <section class="scope-group">
            <h2 class="scope-group-title">{title}</h2>
            <ul>
              {scopes.map((s) => (
                <li>
                  {ctx.registries.scopes.get(s)?.description ?? s} <code class="scope-code">{s}</code>
                </li>
              ))}
            </ul>
          </section>
        ))}
      </div>
      <p class="muted">
        On{' '}
        {req.resources.map((r, i) => (
          <>
            {i ? ', ' : ''}
            <strong>{r.name}</strong> (<code>{r.url}</code>)
          </>
        ))}
        . After you answer, you go back to <code data-testid="redirect-host">{new URL(req.redirectUri).host}</code>. You can remove its
        access any time under Authorized apps.
      </p>
      <TeeNotice tee={ctx.tee} publicUrl={ctx.config.publicUrl} />
      {/* Relative to the page (/oauth/authorize/page), so it stays under the public URL's path. */}
      <form method="post" action="approve" data-testid="consent-form">
        <input type="hidden" name="_csrf" value={csrfToken} />
        {hidden.map(([k, v]) => (
          <input type="hidden" name={k} value={v} />
        ))}
        {parts.map((part) => part.render(req.scopes, stored?.get(part.name)))}
        {limited ? (
          <p class="muted" data-testid="consent-limits-note">
            {stored?.size ? 'These are the limits you set before: what you allow now replaces them (empty fields remove them). ' : ''}
            The next time this app asks for the same access, this page is skipped and these limits stay as they are: change them under
            Authorized apps.
          </p>
        ) : null}
        <div class="grid">
          <button type="submit" name="decision" value="approve" data-testid="approve">
            Allow
          </button>
          <button type="submit" name="decision" value="deny" class="secondary" data-testid="deny">
            Deny
          </button>
        </div>
      </form>
    </article>
  );
}
