import type { TestApp } from '../support/test-app.js';
import type { TestUser } from '../support/test-user.js';

/** POSTs JSON with the given headers; returns status and parsed body. */
export async function postJson(
  app: TestApp,
  path: string,
  headers: Record<string, string>,
  body: unknown,
): Promise<{ status: number; body: any }> {
  const res = await fetch(`${app.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

/** Registers an agent for the user (session + CSRF) and returns its credentials. */
export async function registerAgent(
  app: TestApp,
  user: TestUser,
  name: string,
  scopes: string[],
): Promise<{ client_id: string; client_secret: string }> {
  const res = await postJson(app, '/register_agent', user.headers, { name, scopes });
  if (res.status !== 201) throw new Error(`register_agent: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** Delegates scopes to an agent for the user; returns the delegation response. */
export async function delegate(app: TestApp, user: TestUser, agentId: string, scopes: string[], extra: Record<string, unknown> = {}) {
  const res = await postJson(app, '/delegate', user.headers, { user_id: user.userId, agent_id: agentId, scopes, ...extra });
  if (res.status !== 201) throw new Error(`delegate: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as { delegation_token: string; expires_at: number; delegation_id: string };
}

/** RFC 8693 exchange at /token, authenticating as `agent` (client_secret_basic). */
export async function exchange(app: TestApp, agent: { client_id: string; client_secret: string }, params: Record<string, string>) {
  const basic = Buffer.from(`${encodeURIComponent(agent.client_id)}:${encodeURIComponent(agent.client_secret)}`).toString('base64');
  const res = await fetch(`${app.url}/token`, {
    method: 'POST',
    headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
      subject_token_type: 'urn:ietf:params:oauth:token-type:access_token',
      ...params,
    }),
  });
  return { status: res.status, body: await res.json() };
}

/** The JWT payload (no verification: tests read what was issued). */
export const claims = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString());
