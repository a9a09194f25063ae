import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayModule } from '../../src/kernel/index.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { createTestUser, type TestUser } from '../support/test-user.js';
import { pkce, register } from '../oauth/support/oauth-helpers.js';

/** Scopes whose declared group differs from what their names suggest: the declaration wins. */
const notes: GatewayModule = {
  name: 'grouped_notes',
  scopes: [
    { name: 'notes.write', description: 'Add notes to your notebook', group: 'act' },
    { name: 'notes.sync', description: 'See which notes changed', group: 'read' },
    { name: 'notes.admin', description: 'Change who may see your notebook', group: 'manage' },
  ],
};

describe('the consent page groups scopes by their declared group before guessing from names', () => {
  let app: TestApp;
  let user: TestUser;
  beforeAll(async () => {
    app = await startTestApp('sqlite', {}, [notes]);
    user = await createTestUser(app);
  });
  afterAll(() => app.stop());

  it('puts each scope under its declared group; undeclared groups are still guessed', async () => {
    const redirectUri = 'https://notes.example/cb';
    const client = await register(app, { redirect_uris: [redirectUri], client_name: 'Notes', token_endpoint_auth_method: 'none' });
    const q = new URLSearchParams({
      response_type: 'code',
      client_id: client.client_id,
      redirect_uri: redirectUri,
      scope: 'notes.write notes.sync notes.admin profile tokens.manage mcp',
      code_challenge: pkce().challenge,
      code_challenge_method: 'S256',
    });
    const first = await fetch(`${app.url}/authorize?${q}`, { redirect: 'manual' });
    const page = await fetch(new URL(first.headers.get('location')!, app.url), { headers: { cookie: user.cookie }, redirect: 'manual' });
    expect(page.status).toBe(200);
    const html = await page.text();
    const group = (title: string) => {
      const m = new RegExp(`>${title}</h2><ul>(.*?)</ul>`).exec(html);
      expect(m, title).not.toBeNull();
      return [...m![1].matchAll(/<code class="scope-code">([^<]+)<\/code>/g)].map((x) => x[1]);
    };
    expect(group('See')).toEqual(['notes.sync', 'profile']);
    expect(group('Act for you')).toEqual(['notes.write', 'mcp']);
    expect(group('Change your account')).toEqual(['notes.admin', 'tokens.manage']);
  });
});
