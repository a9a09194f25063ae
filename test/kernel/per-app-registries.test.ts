import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '../../src/oauth/index.js';
import type { GatewayModule } from '../../src/kernel/index.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { basic, postForm } from '../oauth/support/oauth-helpers.js';

const ECHO = 'urn:test:grant-type:echo';

/** A module that adds a grant type and a scope: only the app built with it may know them. */
const echoModule: GatewayModule = {
  name: 'echo',
  scopes: [{ name: 'echo.only', description: 'Only the echo app knows this' }],
  grantTypes: [
    {
      grantType: ECHO,
      parameters: { required: ['say'] },
      handler: async (r: { params: Record<string, string> }) => ({ access_token: r.params.say, token_type: 'N_A' }),
    },
  ],
};

/** Two apps built in one process share nothing: registries are per app, created by createContext. */
describe('two apps in one process', () => {
  let withEcho: TestApp;
  let plain: TestApp;
  beforeAll(async () => {
    [withEcho, plain] = await Promise.all([startTestApp('sqlite', {}, [echoModule]), startTestApp('sqlite')]);
  });
  afterAll(() => Promise.all([withEcho?.stop(), plain?.stop()]));

  const metadata = async (app: TestApp) => (await fetch(`${app.url}/.well-known/oauth-authorization-server`)).json();

  it('have their own grant types and scopes', async () => {
    expect(withEcho.ctx.registries.grantTypes.has(ECHO)).toBe(true);
    expect(plain.ctx.registries.grantTypes.has(ECHO)).toBe(false);
    expect(withEcho.ctx.registries.scopes.sourceOf('echo.only')).toBe('echo');
    expect(plain.ctx.registries.scopes.has('echo.only')).toBe(false);
    expect(withEcho.ctx.registries).not.toBe(plain.ctx.registries);
    const [a, b] = await Promise.all([metadata(withEcho), metadata(plain)]);
    expect(a.grant_types_supported).toContain(ECHO);
    expect(b.grant_types_supported).not.toContain(ECHO);
    expect(a.scopes_supported).toContain('echo.only');
    expect(b.scopes_supported).not.toContain('echo.only');
  });

  it('dispatch /token to their own grant types only', async () => {
    const made = async (app: TestApp) => await createClient(app.ctx.db, { name: 'echo client', grantTypes: [ECHO], redirectUris: [] });
    const [a, b] = await Promise.all([made(withEcho), made(plain)]);
    const echoed = await postForm(`${withEcho.url}/token`, { grant_type: ECHO, say: 'hi' }, basic(a.client.clientId, a.clientSecret!));
    expect(echoed).toMatchObject({ status: 200, body: { access_token: 'hi', token_type: 'N_A' } });
    const refused = await postForm(`${plain.url}/token`, { grant_type: ECHO, say: 'hi' }, basic(b.client.clientId, b.clientSecret!));
    expect(refused).toMatchObject({ status: 400, body: { error: 'unsupported_grant_type' } });
  });

  it('refuse a module that declares a scope another module declared', async () => {
    const clash: GatewayModule = { name: 'clash', scopes: [{ name: 'mcp', description: 'taken' }] };
    await expect(startTestApp('sqlite', {}, [clash])).rejects.toThrow('scope mcp is already declared by oauth');
  });
});
