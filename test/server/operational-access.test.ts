import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/server/index.js';
import { dialects } from '../support/databases.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const TOKEN = 'metrics-token-7f3a9c2e51d84b06';
const ROUTES = ['/metrics', '/oauth/stats'];

describe.each(dialects)('operational endpoints on %s', (dialect) => {
  describe('without OAUTH3_METRICS_TOKEN (the default: loopback only)', () => {
    let app: TestApp;
    beforeAll(async () => {
      app = await startTestApp(dialect);
    });
    afterAll(() => app.stop());

    it.each(ROUTES)('%s answers anyone', async (path) => {
      expect((await fetch(`${app.url}${path}`)).status).toBe(200);
    });
  });

  describe('with OAUTH3_METRICS_TOKEN', () => {
    let app: TestApp;
    const lines: string[] = [];
    beforeAll(async () => {
      const stream = new Writable({
        write(chunk, _enc, cb) {
          lines.push(String(chunk));
          cb();
        },
      });
      app = await startTestApp(dialect, { metricsToken: TOKEN, logLevel: 'info' }, [], createLogger('info', stream as never));
    });
    afterAll(() => app.stop());

    it.each(ROUTES)('%s refuses no token, a wrong one and another scheme with 401, and answers the right one', async (path) => {
      const get = (authorization?: string, method = 'GET') =>
        fetch(`${app.url}${path}`, { method, headers: authorization ? { authorization } : {} });
      for (const authorization of [
        undefined,
        'Bearer wrong',
        `Bearer ${TOKEN}x`,
        `Bearer ${TOKEN.slice(0, -1)}`,
        `Basic ${TOKEN}`,
        TOKEN,
      ]) {
        const r = await get(authorization);
        expect(r.status, String(authorization)).toBe(401);
        expect(r.headers.get('www-authenticate')).toBe('Bearer');
        const body = await r.text();
        expect(JSON.parse(body).error).toBe('ERR_UNAUTHENTICATED');
        expect(body).not.toContain(TOKEN);
      }
      expect((await get(undefined, 'HEAD')).status).toBe(401);
      const ok = await get(`Bearer ${TOKEN}`);
      expect(ok.status).toBe(200);
      expect(await ok.text()).not.toBe('');
    });

    it('leaves the other routes alone and never logs the token', async () => {
      expect((await fetch(`${app.url}/health`)).status).toBe(200);
      expect((await fetch(`${app.url}/jwks.json`)).status).toBe(200);
      expect(lines.some((l) => l.includes('/metrics'))).toBe(true); // the requests were logged…
      expect(lines.join('\n')).not.toContain(TOKEN); // …without the token
    });
  });
});
