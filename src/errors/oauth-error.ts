/**
 * The OAuth error family: one base class carrying `status`, `error` (the RFC code) and `error_description`,
 * one subclass per RFC code. The error handler serialises them per RFC 6749 §5.2, and bearer errors
 * (RFC 6750 §3) also get a `WWW-Authenticate` header.
 */
export class OAuthError extends Error {
  override name = 'OAuthError';
  /** Extra WWW-Authenticate parameters (RFC 6750 / RFC 9728), e.g. resource_metadata, scope. */
  wwwAuthenticate?: Record<string, string>;
  /** Seconds until a refused request may be retried: sent as `Retry-After` (RFC 9110 §10.2.3), e.g. with a 429. */
  retryAfter?: number;
  constructor(
    readonly status: number,
    readonly error: string,
    readonly error_description?: string,
  ) {
    super(error_description ?? error);
  }

  toJSON(): Record<string, string> {
    return this.error_description ? { error: this.error, error_description: this.error_description } : { error: this.error };
  }
}

const family = (status: number, error: string) =>
  class extends OAuthError {
    constructor(description?: string) {
      super(status, error, description);
    }
  };

// RFC 6749 §4.1.2.1 and §5.2
export class InvalidRequest extends family(400, 'invalid_request') {}
export class InvalidClient extends family(401, 'invalid_client') {}
export class InvalidGrant extends family(400, 'invalid_grant') {}
export class UnauthorizedClient extends family(400, 'unauthorized_client') {}
export class UnsupportedGrantType extends family(400, 'unsupported_grant_type') {}
export class UnsupportedResponseType extends family(400, 'unsupported_response_type') {}
export class InvalidScope extends family(400, 'invalid_scope') {}
export class AccessDenied extends family(403, 'access_denied') {}
export class ServerError extends family(500, 'server_error') {}
export class TemporarilyUnavailable extends family(503, 'temporarily_unavailable') {}
// RFC 6750 §3.1
export class InvalidToken extends family(401, 'invalid_token') {}
export class InsufficientScope extends family(403, 'insufficient_scope') {}
// RFC 7591 §3.2.2
export class InvalidRedirectUri extends family(400, 'invalid_redirect_uri') {}
export class InvalidClientMetadata extends family(400, 'invalid_client_metadata') {}
// RFC 8707 §2
export class InvalidTarget extends family(400, 'invalid_target') {}
// RFC 7009 §2.2.1
export class UnsupportedTokenType extends family(400, 'unsupported_token_type') {}
// OpenID Connect Core §3.1.2.6 (answers to prompt=none)
export class LoginRequired extends family(400, 'login_required') {}
export class ConsentRequired extends family(400, 'consent_required') {}
