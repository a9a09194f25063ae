import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/server/index.js';
import { dialects } from '../support/databases.js';
import { freePort } from '../support/free-port.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { register } from './support/oauth-helpers.js';

describe.each(dialects)('discovery and token answers that other clients rely on, on %s', (dialect) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp(dialect);
  });
  afterAll(() => app.stop());

  it("lists offline_access in the authorization server's scopes, not in the gateway's protected-resource metadata", async () => {
    const as = await (await fetch(`${app.url}/.well-known/oauth-authorization-server`)).json();
    expect(as.scopes_supported).toContain('offline_access');
    const prm = await (await fetch(`${app.url}/.well-known/oauth-protected-resource`)).json();
    expect(prm.scopes_supported).toContain('mcp');
    expect(prm.scopes_supported).not.toContain('offline_access');
  });

  it('leaves scope out of a token response that grants none (never "scope": "")', async () => {
    const client = await register(app, { grant_types: ['client_credentials'], client_name: 'bare' });
    const res = await fetch(`${app.url}/token`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${client.client_id}:${client.client_secret}`).toString('base64')}` },
      body: new URLSearchParams({ grant_type: 'client_credentials' }),
    });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.access_token).toBeTruthy();
    expect(body).not.toHaveProperty('scope');
  });
});

describe('a plain-http public URL', () => {
  const start = async (publicUrl: (port: number) => string) => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const port = await freePort();
    const app = await startTestApp('sqlite', { port, publicUrl: publicUrl(port) }, [], createLogger('warn', sink));
    await app.stop();
    return lines.join('');
  };

  it('warns at start when the host is not loopback, and not on localhost', async () => {
    expect(await start((port) => `http://gateway.example:${port}`)).toContain('OAUTH3_PUBLIC_URL is plain http');
    expect(await start((port) => `http://localhost:${port}`)).not.toContain('OAUTH3_PUBLIC_URL is plain http');
  });
});
