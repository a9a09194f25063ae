import { createHash, randomBytes } from 'node:crypto';
import type { TestApp } from '../../support/test-app.js';
import type { TestUser } from '../../support/test-user.js';

/** A PKCE verifier and its S256 challenge. */
export function pkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/** Registers a client with RFC 7591 /register; returns the parsed response. */
export async function register(app: TestApp, metadata: Record<string, unknown>): Promise<Record<string, any>> {
  const res = await fetch(`${app.url}/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(metadata),
  });
  if (res.status !== 201) throw new Error(`register: ${res.status} ${await res.text()}`);
  return res.json();
}

export type AuthParams = Record<string, string | string[]>;

const query = (params: AuthParams) => {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) for (const one of Array.isArray(v) ? v : [v]) q.append(k, one);
  return q;
};

/**
 * Walks the authorization flow as the signed-in person's browser would, without a browser: GET /authorize
 * (must redirect to the consent page), GET the page (must show the consent form, or redirect when consent is
 * remembered), then POST the form with the session's CSRF token. Returns the final redirect Location.
 */
export async function authorize(app: TestApp, user: TestUser, params: AuthParams, decision: 'approve' | 'deny' = 'approve'): Promise<URL> {
  const first = await fetch(`${app.url}/authorize?${query(params)}`, { redirect: 'manual' });
  if (first.status !== 302) throw new Error(`/authorize: ${first.status} ${await first.text()}`);
  const pageUrl = new URL(first.headers.get('location')!, app.url);
  if (pageUrl.pathname !== '/oauth/authorize/page') return pageUrl;
  const page = await fetch(pageUrl, { headers: { cookie: user.cookie }, redirect: 'manual' });
  if (page.status === 302) return new URL(page.headers.get('location')!);
  const html = await page.text();
  if (page.status !== 200 || !html.includes('data-testid="consent"')) throw new Error(`consent page: ${page.status} ${html.slice(0, 300)}`);
  const form = query(params);
  form.set('_csrf', user.csrf);
  form.set('decision', decision);
  const res = await fetch(`${app.url}/oauth/authorize/approve`, {
    method: 'POST',
    headers: { cookie: user.cookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: form,
    redirect: 'manual',
  });
  if (res.status !== 302) throw new Error(`approve: ${res.status} ${await res.text()}`);
  return new URL(res.headers.get('location')!);
}

/** POSTs a form to a token-style endpoint; returns status and JSON. */
export async function postForm(
  url: string,
  form: Record<string, string | string[]>,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: any; headers: Headers }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: query(form),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
}

/** `Authorization: Basic` for client_secret_basic. */
export function basic(id: string, secret: string): Record<string, string> {
  return { authorization: `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}` };
}

export interface Registered {
  client_id: string;
  client_secret?: string;
}

/** Registers a public client (PKCE only) with one redirect URI. */
export function publicClient(app: TestApp, redirectUri: string, extra: Record<string, unknown> = {}): Promise<Registered> {
  return register(app, {
    redirect_uris: [redirectUri],
    client_name: 'Test app',
    grant_types: ['authorization_code', 'refresh_token'],
    token_endpoint_auth_method: 'none',
    ...extra,
  }) as Promise<Registered>;
}

/** Gets a code for the client through consent; returns the code and its PKCE verifier. */
export async function codeFor(
  app: TestApp,
  user: TestUser,
  clientId: string,
  redirectUri: string,
  extra: AuthParams = {},
): Promise<{ code: string; verifier: string }> {
  const { verifier, challenge } = pkce();
  const back = await authorize(app, user, {
    response_type: 'code',
    client_id: clientId,
    redirect_uri: redirectUri,
    state: 'st',
    code_challenge: challenge,
    code_challenge_method: 'S256',
    ...extra,
  });
  const code = back.searchParams.get('code');
  if (!code) throw new Error(`no code: ${back.href}`);
  return { code, verifier };
}

/** Exchanges a code at /token for a public client. */
export function exchange(
  app: TestApp,
  clientId: string,
  code: string,
  verifier: string,
  redirectUri: string,
  extra: Record<string, string | string[]> = {},
) {
  return postForm(`${app.url}/token`, {
    grant_type: 'authorization_code',
    client_id: clientId,
    code,
    code_verifier: verifier,
    redirect_uri: redirectUri,
    ...extra,
  });
}

/** Refreshes at /token for a public client. */
export function refresh(app: TestApp, clientId: string, refreshToken: string, extra: Record<string, string | string[]> = {}) {
  return postForm(`${app.url}/token`, { grant_type: 'refresh_token', client_id: clientId, refresh_token: refreshToken, ...extra });
}

/**
 * Calls a gateway API with a bearer token; returns the status: 401 when the token is refused, 200 when it is
 * accepted (a 403 insufficient_scope also means accepted: the route needs `profile`, which the token may lack).
 */
export async function apiStatus(app: TestApp, token: string): Promise<number> {
  const res = await fetch(`${app.url}/api/v1/me/apps`, { headers: { authorization: `Bearer ${token}` } });
  return res.status === 403 && (await res.json()).error === 'insufficient_scope' ? 200 : res.status;
}

/** Makes the whole process (the in-process gateway included) see the clock `ms` ahead until `restore()`. */
export function advanceClock(ms: number): { restore(): void } {
  const original = Date.now;
  Date.now = () => original.call(Date) + ms;
  return {
    restore: () => {
      Date.now = original;
    },
  };
}

/**
 * A token response with its access token cut to the JWT's signing input (JOSE header and payload): what a
 * concurrent refresh inside the grace window gets again is the same pair, its access token signed anew.
 */
export function unsigned(body: Record<string, unknown>): Record<string, unknown> {
  const jwt = String(body.access_token);
  return { ...body, access_token: jwt.slice(0, jwt.lastIndexOf('.')) };
}
