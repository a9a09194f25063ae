import type { ComponentChildren } from 'preact';

/** The account navigation (contract: every domain's account page is linked here). */
export const navLinks: Array<[string, string]> = [
  ['/account', 'Profile'],
  ['/account/passkeys', 'Passkeys'],
  ['/account/sessions', 'Sessions'],
  ['/account/events', 'Access log'],
  ['/account/tokens', 'API tokens'],
  ['/account/agents', 'Agents'],
  ['/account/apps', 'Authorized apps'],
];

export interface LayoutProps {
  title: string;
  /** Request path, to mark the current nav link. */
  path: string;
  signedIn: boolean;
  csrfToken?: string;
  children: ComponentChildren;
}

/** The page shell: Pico CSS, the one bundled script (no inline script: CSP `script-src 'self'`), nav, sign-out. */
export function Layout({ title, path, signedIn, csrfToken, children }: LayoutProps) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        {csrfToken ? <meta name="csrf-token" content={csrfToken} /> : null}
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
                <a href={signedIn ? '/account' : '/'}>
                  <strong>oauth3</strong>
                </a>
              </li>
            </ul>
            {signedIn ? (
              <ul>
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
                  <a href="/login">Sign in</a>
                </li>
                <li>
                  <a href="/signup">Sign up</a>
                </li>
              </ul>
            )}
          </nav>
          {signedIn ? (
            <nav aria-label="Account">
              <ul class="account-nav">
                {navLinks.map(([href, label]) => (
                  <li>
                    <a href={href} aria-current={path === href ? 'page' : undefined}>
                      {label}
                    </a>
                  </li>
                ))}
              </ul>
            </nav>
          ) : null}
        </header>
        <main class="container">
          <h1>{title}</h1>
          {children}
        </main>
      </body>
    </html>
  );
}
