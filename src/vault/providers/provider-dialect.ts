import * as oauth from 'oauth4webapi';
import type { OAuthProvider } from './provider.js';

/**
 * Slack-style error codes of a `{ "ok": false, "error": … }` answer, as the OAuth codes (RFC 6749 §5.2) the vault
 * classifies by: a code or refresh token that is spent, revoked or expired means "connect again"; a bad client is
 * the provider entry's problem. Other codes pass through as they are.
 */
const BODY_ERRORS: Record<string, string> = {
  invalid_code: 'invalid_grant',
  code_already_used: 'invalid_grant',
  code_expired: 'invalid_grant',
  invalid_refresh_token: 'invalid_grant',
  token_revoked: 'invalid_grant',
  token_expired: 'invalid_grant',
  invalid_client_id: 'invalid_client',
  bad_client_secret: 'invalid_client',
  bad_redirect_uri: 'invalid_request',
};

/**
 * A fetch for a provider with `error_style: ok_false`, that answers errors as HTTP 200 with `{ "ok": false, "error": "…" }` (Slack's Web API):
 * such an answer becomes what RFC 6749 says it should have been (HTTP 400 with `{ "error": … }`), so oauth4webapi
 * and the vault's classification read it as the refusal it is. Every other answer is passed on untouched.
 */
async function okFalseFetch(url: string, init: RequestInit): Promise<Response> {
  const res = await fetch(url, init);
  if (res.status !== 200 || !res.headers.get('content-type')?.includes('json')) return res;
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  const refused = body && typeof body === 'object' && (body as { ok?: unknown }).ok === false;
  if (!refused) return new Response(text, { status: res.status, statusText: res.statusText, headers: res.headers });
  const code = String((body as { error?: unknown }).error ?? 'error');
  return new Response(JSON.stringify({ error: BODY_ERRORS[code] ?? code }), {
    status: 400,
    headers: { 'content-type': 'application/json' },
  });
}

/**
 * The oauth4webapi request options of a call to a provider: its dialect's fetch (`error_style: ok_false`) on top of the
 * given options (deadline, loopback http).
 */
export function dialectRequestOptions<T extends object>(
  provider: OAuthProvider,
  options: T,
): T & { [oauth.customFetch]?: typeof okFalseFetch } {
  return provider.errorStyle === 'ok_false' ? { ...options, [oauth.customFetch]: okFalseFetch } : options;
}

/** The token-response options of a provider: the extra `token_type` values it sends for a bearer token (Slack: `bot`). */
export function dialectResponseOptions(provider: OAuthProvider): { recognizedTokenTypes?: oauth.RecognizedTokenTypes } {
  if (!provider.tokenTypes?.length) return {};
  return { recognizedTokenTypes: Object.fromEntries(provider.tokenTypes.map((t) => [t.toLowerCase(), () => undefined])) };
}
