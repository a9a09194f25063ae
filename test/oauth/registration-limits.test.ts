import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../support/databases.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const CB = 'https://app.example/cb';
const uris = (n: number) => Array.from({ length: n }, (_, i) => `https://app.example/cb/${i}`);
const long = (prefix: string, total: number) => prefix + 'a'.repeat(total - prefix.length);

// Registration is open to anyone (MCP clients register themselves), so every field it stores has a bound.
describe.each(dialects)('registration limits on %s', (dialect) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp(dialect);
  });
  afterAll(() => app.stop());

  const register = async (metadata: Record<string, unknown>) => {
    const res = await fetch(`${app.url}/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(metadata),
    });
    return { status: res.status, json: await res.json() };
  };
  const clients = async () =>
    Number(
      (
        await app.ctx.db
          .selectFrom('oauth_clients')
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );

  it('accepts metadata at every limit and stores it', async () => {
    const full = {
      redirect_uris: [long('https://app.example/', 2000), ...uris(9)],
      client_name: 'n'.repeat(100),
      client_uri: 'https://app.example',
      logo_uri: 'http://localhost:6274/logo.png',
      tos_uri: long('https://app.example/tos/', 2000),
      policy_uri: 'http://127.0.0.1:6274/privacy',
      contacts: ['a@app.example', 'b@app.example', 'c@app.example', 'd@app.example', `${'e'.repeat(242)}@app.example`],
      software_id: 's'.repeat(200),
      software_version: '1.0.0',
    };
    const r = await register(full);
    expect(r.status, JSON.stringify(r.json)).toBe(201);
    expect(r.json).toMatchObject(full);
  });

  it.each([
    ['redirect_uris', { redirect_uris: uris(11) }, 'invalid_client_metadata', /redirect_uris may list at most 10/],
    ['redirect_uris', { redirect_uris: uris(20_000) }, 'invalid_client_metadata', /redirect_uris may list at most 10/],
    ['redirect_uris', { redirect_uris: [long('https://app.example/', 2001)] }, 'invalid_redirect_uri', /redirect_uris/],
    ['client_name', { client_name: 'n'.repeat(101) }, 'invalid_client_metadata', /client_name .*at most 100/],
    ['client_name', { client_name: ['array'] }, 'invalid_client_metadata', /client_name/],
    ['client_uri', { client_uri: 'http://app.example' }, 'invalid_client_metadata', /client_uri must be an https URL/],
    ['logo_uri', { logo_uri: 'javascript:alert(1)' }, 'invalid_client_metadata', /logo_uri/],
    ['tos_uri', { tos_uri: long('https://app.example/tos/', 2001) }, 'invalid_client_metadata', /tos_uri .*2000/],
    ['tos_uri', { tos_uri: 'not a url' }, 'invalid_client_metadata', /tos_uri/],
    ['policy_uri', { policy_uri: 'https://user:pass@app.example/privacy' }, 'invalid_client_metadata', /policy_uri/],
    ['policy_uri', { policy_uri: 42 }, 'invalid_client_metadata', /policy_uri/],
    [
      'contacts',
      { contacts: ['a@x.example', 'b@x.example', 'c@x.example', 'd@x.example', 'e@x.example', 'f@x.example'] },
      'invalid_client_metadata',
      /contacts .*at most 5/,
    ],
    ['contacts', { contacts: 'a@x.example' }, 'invalid_client_metadata', /contacts/],
    ['contacts', { contacts: ['not an address'] }, 'invalid_client_metadata', /contacts must hold email addresses/],
    ['contacts', { contacts: [`${'e'.repeat(243)}@app.example`] }, 'invalid_client_metadata', /contacts .*254/],
    ['software_id', { software_id: 's'.repeat(201) }, 'invalid_client_metadata', /software_id/],
    ['software_version', { software_version: { v: 1 } }, 'invalid_client_metadata', /software_version/],
    ['scope', { scope: 'profile '.repeat(300) }, 'invalid_client_metadata', /scope .*at most 2000/],
    [
      'token_endpoint_auth_method',
      { token_endpoint_auth_method: 'x'.repeat(100_000) },
      'invalid_client_metadata',
      /token_endpoint_auth_method must be one of/,
    ],
  ])('refuses an oversized or invalid %s, naming it, and stores nothing', async (_field, bad, error, message) => {
    const before = await clients();
    const r = await register({ redirect_uris: [CB], ...bad });
    expect(r.status).toBe(400);
    expect(r.json.error).toBe(error);
    expect(r.json.error_description).toMatch(message);
    expect(r.json.error_description.length).toBeLessThan(300); // the bad value is not echoed back
    expect(await clients()).toBe(before);
  });

  it('stores each grant type once however often it is repeated', async () => {
    const r = await register({ redirect_uris: [CB], grant_types: Array(10_000).fill('authorization_code') });
    expect(r.status).toBe(201);
    expect(r.json.grant_types).toEqual(['authorization_code']);
  });
});
