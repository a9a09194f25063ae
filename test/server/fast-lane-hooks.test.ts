import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createClient } from '../../src/oauth/index.js';
import type { GatewayModule } from '../../src/kernel/index.js';
import { FastLanes } from '../../src/server/fast-lanes.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { basic } from '../oauth/support/oauth-helpers.js';

/** A module that is not built in and refuses every /token request in an onRequest hook. */
const gatekeeper: GatewayModule = {
  name: 'gatekeeper',
  routes(app) {
    app.addHook('onRequest', async (request, reply) => {
      if (request.url === '/token') return reply.code(403).send({ error: 'blocked by gatekeeper' });
    });
  },
};

const laneAnswers = vi.spyOn(FastLanes.prototype as unknown as { answer(): Promise<void> }, 'answer');
afterEach(() => {
  laneAnswers.mockClear();
});

/** A plain form POST /token with a Content-Length: what a fast lane takes when lanes are on. */
async function token(app: TestApp): Promise<{ status: number; body: unknown }> {
  const { client, clientSecret } = await createClient(app.ctx.db, { name: 'c', grantTypes: ['client_credentials'], redirectUris: [] });
  const res = await fetch(`${app.url}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...basic(client.clientId, clientSecret!) },
    body: 'grant_type=client_credentials',
  });
  return { status: res.status, body: await res.json() };
}

/** A fast lane never skips a hook: lanes are off once a module other than the built-ins adds a request hook. */
describe('fast lanes and request hooks', () => {
  const apps: TestApp[] = [];
  afterAll(() => Promise.all(apps.map((a) => a.stop())));
  const start = async (...args: Parameters<typeof startTestApp>) => {
    const app = await startTestApp(...args);
    apps.push(app);
    return app;
  };

  it('answer through a lane with the built-in modules only', async () => {
    const app = await start('sqlite');
    expect((await token(app)).status).toBe(200);
    expect(laneAnswers).toHaveBeenCalledTimes(1);
  });

  it('are off when an external module adds an onRequest hook: its 403 answers the form POST /token', async () => {
    const app = await start('sqlite', {}, [gatekeeper]);
    expect(await token(app)).toEqual({ status: 403, body: { error: 'blocked by gatekeeper' } });
    expect(laneAnswers).not.toHaveBeenCalled();
  });

  it('are off with OAUTH3_FAST_LANES=false, and Fastify answers alike', async () => {
    const app = await start('sqlite', {}, [], undefined, { OAUTH3_FAST_LANES: 'false' });
    expect(app.config.fastLanes).toBe(false);
    expect((await token(app)).status).toBe(200);
    expect(laneAnswers).not.toHaveBeenCalled();
  });
});
