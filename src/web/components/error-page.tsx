/** A way forward from an error page: where to go and what it is called. */
export interface ErrorLink {
  href: string;
  label: string;
}

export interface ErrorPageProps {
  message: string;
  /** The first link is the main way forward (a button); the rest are plain links. */
  links: ErrorLink[];
  /** The stable error code, for people who report the problem. */
  code?: string;
}

/** The body of an error page: what went wrong in plain words and the ways forward, never a dead end. */
export function ErrorPage({ message, links, code }: ErrorPageProps) {
  const [first, ...rest] = links;
  return (
    <section data-page="error" data-testid="error-page">
      <p data-testid="error-message">{message}</p>
      <p class="row-actions">
        {first ? (
          <a href={first.href} role="button" data-testid="error-next">
            {first.label}
          </a>
        ) : null}
        {rest.map((l) => (
          <a href={l.href}>{l.label}</a>
        ))}
      </p>
      {code ? <p class="muted">Error code: {code}</p> : null}
    </section>
  );
}
