import type { ComponentChildren } from 'preact';

/** The account navigation (contract: every domain's account page is linked here). */
export const navLinks: Array<[string, string]> = [
  ['/account/overview', 'Overview'],
  ['/account', 'Profile'],
  ['/account/passkeys', 'Passkeys'],
  ['/account/sessions', 'Sessions'],
  ['/account/events', 'Access log'],
  ['/account/tokens', 'API tokens'],
  ['/account/agents', 'Agents'],
  ['/account/approvals', 'Approvals'],
  ['/account/apps', 'Authorized apps'],
  ['/account/connections', 'Connections'],
];

export interface LayoutProps {
  title: string;
  /** Request path (as routes name it, without the public URL's path), to mark the current nav link. */
  path: string;
  signedIn: boolean;
  /** How the signed-in person is named ("signed in as …"), when known. */
  account?: string;
  csrfToken?: string;
  /** The public URL's path (`/auth`), for the browser script's requests (meta `public-path`); '' or none at the root. */
  publicPath?: string;
  /** One focused card (consent): no account navigation. */
  focused?: boolean;
  /** A pending sign-in flow (`return_to`) the header's Sign in / Sign up links keep. */
  returnTo?: string;
  children: ComponentChildren;
}

/** The page shell: Pico CSS, the one bundled script (no inline script: CSP `script-src 'self'`), nav, sign-out. */
export function Layout({ title, path, signedIn, account, csrfToken, publicPath, focused, returnTo, children }: LayoutProps) {
  const keep = returnTo ? `?return_to=${encodeURIComponent(returnTo)}` : '';
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        {csrfToken ? <meta name="csrf-token" content={csrfToken} /> : null}
        {publicPath ? <meta name="public-path" content={publicPath} /> : null}
        <title>{`${title} · oauth3`}</title>
        <link rel="stylesheet" href="/static/pico.min.css" />
        <link rel="stylesheet" href="/static/app.css" />
        <script type="module" src="/static/app.js" />
      </head>
      <body>
        <header class="container">
          <nav>
            <ul>
              <li>
                <a href={signedIn ? '/account/overview' : '/'}>
                  <strong>oauth3</strong>
                </a>
              </li>
            </ul>
            {signedIn ? (
              <ul>
                <li class="muted" data-testid="signed-in-as">
                  {account ? (
                    <>
                      Signed in as <strong>{account}</strong>
                    </>
                  ) : (
                    'Signed in'
                  )}
                </li>
                <li>
                  <form method="post" action="/logout" class="inline-form">
                    <input type="hidden" name="_csrf" value={csrfToken} />
                    <button type="submit" class="secondary outline" data-testid="sign-out">
                      Sign out
                    </button>
                  </form>
                </li>
              </ul>
            ) : (
              <ul>
                <li>
                  <a href="/docs">Docs</a>
                </li>
                <li>
                  <a href={`/login${keep}`} data-testid="nav-sign-in">
                    Sign in
                  </a>
                </li>
                <li>
                  <a href={`/signup${keep}`} data-testid="nav-sign-up">
                    Sign up
                  </a>
                </li>
              </ul>
            )}
          </nav>
          {signedIn && !focused ? (
            <nav aria-label="Account">
              <ul class="account-nav">
                {navLinks.map(([href, label]) => (
                  <li>
                    <a href={href} aria-current={path === href ? 'page' : undefined}>
                      {label}
                    </a>
                  </li>
                ))}
                <li>
                  <a href="/docs">Docs</a>
                </li>
              </ul>
            </nav>
          ) : null}
        </header>
        <main class={focused ? 'container focused' : 'container'}>
          <h1>{title}</h1>
          {children}
        </main>
      </body>
    </html>
  );
}
