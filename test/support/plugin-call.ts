import { expect } from 'vitest';
import { postJson } from '../agents/agent-helpers.js';
import type { TestApp } from './test-app.js';
import type { TestUser } from './test-user.js';

/** The answer of one proxied call: status, headers and the JSON body. */
export interface ProxyAnswer {
  status: number;
  headers: Headers;
  body: any;
}

/** `POST /proxy/{path}` with the bearer (if any) and a JSON body, as an agent calls an action. */
export async function callAction(app: TestApp, path: string, token: string | undefined, body: unknown = {}): Promise<ProxyAnswer> {
  const res = await fetch(`${app.url}/proxy/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as any };
}

let made = 0;

/** A personal API token of `user` with these scopes and, if given, a policy (through the account API, as a person makes one). */
export async function apiTokenOf(app: TestApp, user: TestUser, scopes: string[], policy?: unknown): Promise<string> {
  const res = await postJson(app, '/api/v1/me/tokens', user.headers, {
    name: `plugin test ${++made} ${scopes.join(' ')}`,
    scopes,
    ...(policy ? { policy } : {}),
  });
  expect(res.status).toBe(201);
  return res.body.token as string;
}

/** The `proxy.called` audit events of `userId`, once the audit batch is written. */
export async function proxyCalledEvents(app: TestApp, userId: string) {
  await app.ctx.audit.flush();
  return app.ctx.db.selectFrom('audit_events').selectAll().where('action', '=', 'proxy.called').where('user_id', '=', userId).execute();
}
