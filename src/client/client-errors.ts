/**
 * The client's one error hierarchy (seed 003). Every error the client library or the CLI's client commands
 * throw is an {@link OAuthError}; the CLI prints `message` (one line a person can act on) and, with
 * `--verbose`, `detail`. No message or detail ever carries a token, a secret or a code.
 */
export class OAuthError extends Error {
  /** A stable machine-readable reason, e.g. `login_required`, `insecure_store`, `invalid_grant`. */
  readonly reason: string;
  /** More for `--verbose`: never a token, secret or code. */
  readonly detail?: string;
  constructor(message: string, options: { reason: string; detail?: string; cause?: unknown }) {
    super(message, { cause: options.cause });
    this.name = new.target.name;
    this.reason = options.reason;
    this.detail = options.detail;
  }
}

/** Bad input from the caller: a flag, a URL, a JSON body. */
export class ValidationError extends OAuthError {}

/** The token store cannot be read or written safely (permissions, a broken file, a lock that cannot be taken). */
export class StorageError extends OAuthError {}

/**
 * No usable token: `reason` is `login_required` when nothing is stored or the server answered `invalid_grant`
 * (the only answer that means "log in again"); the CLI exits 4 then.
 */
export class TokenError extends OAuthError {}

/** The login flow failed: discovery, registration, the browser step (`access_denied`, wrong `state` or `iss`), the code exchange. */
export class OAuthFlowError extends OAuthError {}

/** An HTTP answer the client could not use. The body is kept short and is never printed unless `--verbose`. */
export class HttpError extends OAuthError {
  readonly status: number;
  readonly url: string;
  readonly body: string;
  constructor(message: string, options: { reason: string; status: number; url: string; body?: string; detail?: string; cause?: unknown }) {
    super(message, options);
    this.status = options.status;
    this.url = options.url;
    this.body = (options.body ?? '').slice(0, 2000);
  }
}

/** True when the caller must run `oauth3 login` (again). */
export function isLoginRequired(e: unknown): boolean {
  return e instanceof TokenError && e.reason === 'login_required';
}
