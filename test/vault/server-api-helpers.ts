import type { TestApp } from '../support/test-app.js';
import { createApiKey } from '../../src/vault/index.js';

/** A JSON answer: status, parsed body, headers. */
export interface JsonAnswer {
  status: number;
  body: any;
  headers: Headers;
}

/** Calls the vault's server API with a vault API key as `Authorization: Bearer` (or `X-API-Key` with `header`). */
export async function serverApi(
  app: TestApp,
  method: string,
  path: string,
  o: { key?: string; header?: 'bearer' | 'x-api-key'; body?: unknown; headers?: Record<string, string> } = {},
): Promise<JsonAnswer> {
  const headers: Record<string, string> = { ...o.headers };
  if (o.key !== undefined) {
    if (o.header === 'x-api-key') headers['x-api-key'] = o.key;
    else headers.authorization = `Bearer ${o.key}`;
  }
  if (o.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${app.url}${path}`, { method, headers, body: o.body === undefined ? undefined : JSON.stringify(o.body) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
}

/** A new vault API key (as `oauth3 apikey create` makes it): its id, the `o3k_` secret and the server it stands for. */
export async function newApiKey(app: TestApp, name: string, providers?: string[]): Promise<{ id: string; key: string; server: string }> {
  const { key, summary } = await createApiKey(app.ctx, { name, providers });
  return { id: summary.id, key, server: `apikey:${summary.id}` };
}
