import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomToken, sha256 } from '../../src/crypto/index.js';
import { createClient } from '../../src/oauth/index.js';
import { refreshTokenKey } from '../../src/oauth/tokens/refresh-token-key.js';
import { seedRefreshToken } from './support/seed-refresh-token.js';
import { dialects } from '../support/databases.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const form = (app: TestApp, auth: string, body: Record<string, string>) =>
  fetch(`${app.url}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: auth },
    body: new URLSearchParams(body),
  }).then(async (r) => ({ status: r.status, body: await r.json() }));

describe('refresh tokens name their row', () => {
  it('looks a token up by the row id it carries', () => {
    const key = refreshTokenKey('rt0123456789abcdef0123456789abcdef.secret');
    expect(key).toEqual({ id: 'rt0123456789abcdef0123456789abcdef', hash: sha256('rt0123456789abcdef0123456789abcdef.secret') });
  });

  it('refuses what cannot be one of ours before any lookup (an opaque token without a row id included)', () => {
    for (const bad of [
      '',
      'x'.repeat(513),
      randomToken(),
      'legacy:abc.def',
      "rt' or 1=1.x",
      'RT0123456789ABCDEF0123456789ABCDEF.x',
      'rt0123.x',
    ]) {
      expect(refreshTokenKey(bad)).toBeUndefined();
    }
  });
});

describe.each(dialects)('refresh tokens at the token endpoint on %s', (dialect) => {
  let app: TestApp;
  let auth: string;
  let clientId: string;

  beforeAll(async () => {
    app = await startTestApp(dialect);
    const { client, clientSecret } = await createClient(app.ctx.db, {
      name: 'app',
      grantTypes: ['client_credentials', 'refresh_token'],
      redirectUris: ['https://app.example/cb'],
    });
    clientId = client.clientId;
    auth = `Basic ${Buffer.from(`${client.clientId}:${clientSecret}`).toString('base64')}`;
  });
  afterAll(() => app.stop());

  const seeded = () => seedRefreshToken(app, clientId);

  it('rotates a token into a successor of the same form', async () => {
    const first = await form(app, auth, { grant_type: 'refresh_token', refresh_token: await seeded() });
    expect(first.status).toBe(200);
    expect(first.body.refresh_token).toMatch(/^rt[0-9a-f]{32}\.[A-Za-z0-9_-]{43}$/);
    expect((await form(app, auth, { grant_type: 'refresh_token', refresh_token: first.body.refresh_token })).status).toBe(200);
  });

  it('refuses a token whose secret part was changed, and an opaque one', async () => {
    const { id } = refreshTokenKey(await seeded())!;
    for (const forged of [`${id}.${randomToken()}`, randomToken()]) {
      const res = await form(app, auth, { grant_type: 'refresh_token', refresh_token: forged });
      expect(res).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    }
  });
});
