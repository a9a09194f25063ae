import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { CeremonyClient } from '../accounts/ceremony-client.js';

describe('per-IP limits on unauthenticated sign-in and registration endpoints', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp('sqlite', { rateLimitAuth: 3 });
  });
  afterAll(() => app.stop());

  const post = (path: string, body: unknown) =>
    fetch(`${app.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  it('answers 429 with Retry-After past the budget on passkey sign-in', async () => {
    const browser = new CeremonyClient(app.url);
    await browser.page('/login'); // the anonymous CSRF cookie and token, as a browser gets them
    for (let i = 0; i < 3; i++) expect((await browser.send('POST', '/api/v1/signin/options', {})).status).toBe(200);
    const refused = await browser.send('POST', '/api/v1/signin/options', {});
    expect(refused.status).toBe(429);
    expect(Number(refused.res.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(refused.json.error).toBe('ERR_RATE_LIMITED');
  });

  it('keeps 429 (not invalid_request) on the OAuth registration endpoint', async () => {
    const body = { redirect_uris: ['http://127.0.0.1:9/cb'], client_name: 'flood' };
    for (let i = 0; i < 3; i++) expect((await post('/register', body)).status).toBe(201);
    const refused = await post('/register', body);
    expect(refused.status).toBe(429);
    expect((await refused.json()).error).toBe('ERR_RATE_LIMITED');
  });

  it('leaves other routes alone', async () => {
    for (let i = 0; i < 6; i++) expect((await fetch(`${app.url}/health`)).status).toBe(200);
  });
});

describe('per-IP limits in a cluster', () => {
  let app: TestApp;
  // Two workers count apart: each allows half the budget, so an IP gets at most the budget in all.
  beforeAll(async () => {
    app = await startTestApp('sqlite', { rateLimitAuth: 4, workers: 2 });
  });
  afterAll(() => app.stop());

  it('gives each worker its share of the budget', async () => {
    const body = JSON.stringify({ redirect_uris: ['http://127.0.0.1:9/cb'], client_name: 'share' });
    const post = () => fetch(`${app.url}/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    for (let i = 0; i < 2; i++) expect((await post()).status).toBe(201);
    expect((await post()).status).toBe(429);
  });
});
