import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileTokenStore, type StoredCredentials } from '../../src/client/index.js';
import { decideApproval } from '../../src/proxy/approvals/index.js';
import { startEchoGateway, type EchoGateway } from '../support/echo-gateway.js';
import { createTestUser, type TestUser } from '../support/test-user.js';
import { connectUpstream } from '../support/upstream-connection.js';
import { gatewayCredentials } from '../support/gateway-login.js';
import { apiTokenOf, proxyCalledEvents } from '../support/plugin-call.js';
import { runCli } from '../support/run-cli.js';

describe('oauth3 call through the real CLI against the echo gateway', () => {
  let gw: EchoGateway;
  let user: TestUser;
  let upstreamToken: string;
  const homes: string[] = [];

  beforeAll(async () => {
    gw = await startEchoGateway('sqlite');
    user = await createTestUser(gw.app);
    upstreamToken = (await connectUpstream(gw.app, user.userId, gw.upstream)).tokens.access_token;
  });
  afterAll(async () => {
    await gw?.stop();
    await Promise.all(homes.map((h) => rm(h, { recursive: true, force: true })));
  });

  /** A temp XDG_CONFIG_HOME holding these credentials as the one stored login. */
  async function homeWith(creds?: StoredCredentials): Promise<Record<string, string>> {
    const home = await mkdtemp(join(tmpdir(), 'oauth3-call-'));
    homes.push(home);
    if (creds) await fileTokenStore({ issuer: creds.issuer, resource: creds.resource, dir: join(home, 'oauth3') }).save(creds);
    return { HOME: home, XDG_CONFIG_HOME: home };
  }
  const loggedIn = async (scopes: string[]) => homeWith(await gatewayCredentials(gw.app, user, { scopes }));
  const call = (env: Record<string, string>, ...args: string[]) => runCli(['call', ...args], env);

  it('prints the action’s result as JSON and exits 0', async () => {
    const env = await loggedIn(['echo.say']);
    const out = await call(env, 'echo', 'say', '--data', '{"text":"hi from the cli"}');
    expect(out.stderr).toBe('');
    expect(out.code).toBe(0);
    expect(JSON.parse(out.stdout)).toEqual({ echo: { text: 'hi from the cli' }, path: '/say', authorized: upstreamToken });
  });

  it('refreshes an expired stored token first, then calls', async () => {
    const creds = await gatewayCredentials(gw.app, user, { scopes: ['echo.say'] });
    const env = await homeWith({ ...creds, expires_at: Math.floor(Date.now() / 1000) - 60 });
    const out = await call(env, 'echo', 'say', '--data', '{"text":"after a refresh"}');
    expect(out.code).toBe(0);
    expect(JSON.parse(out.stdout).echo).toEqual({ text: 'after a refresh' });
    const stored = await fileTokenStore({ issuer: creds.issuer, dir: join(env.XDG_CONFIG_HOME!, 'oauth3') }).load();
    expect(stored!.refresh_token).not.toBe(creds.refresh_token);
  });

  it('refuses a call beyond the token’s scopes with the gateway’s message on one line, exit 1, nothing run', async () => {
    const env = await loggedIn(['echo.read']);
    const before = gw.echo.requests.length;
    const out = await call(env, 'echo', 'say', '--data', '{"text":"not allowed"}');
    expect(out.code).toBe(1);
    expect(out.stdout).toBe('');
    expect(out.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(out.stderr).toMatch(/^oauth3: .*echo\.say/);
    expect(gw.echo.requests.length).toBe(before);
  });

  it('refuses bad --data before any request: not JSON, not an object', async () => {
    const env = await loggedIn(['echo.say']);
    const calls = (await proxyCalledEvents(gw.app, user.userId)).length;
    const before = gw.echo.requests.length;
    const notJson = await call(env, 'echo', 'say', '--data', '{"text": hi}');
    expect(notJson.code).toBe(1);
    expect(notJson.stderr).toMatch(/^oauth3: --data is not valid JSON/);
    const notObject = await call(env, 'echo', 'say', '--data', '["hi"]');
    expect(notObject.code).toBe(1);
    expect(notObject.stderr).toMatch(/^oauth3: --data must be a JSON object/);
    // no login is needed to be told: the input is checked first
    const nobody = await call(await homeWith(), 'echo', 'say', '--data', 'nope');
    expect(nobody).toMatchObject({ code: 1, stdout: '' });
    expect(nobody.stderr).toMatch(/--data is not valid JSON/);
    expect(gw.echo.requests.length).toBe(before);
    expect((await proxyCalledEvents(gw.app, user.userId)).length).toBe(calls);
  });

  it('exits 4 with no stored login, and 4 when the gateway refuses the stored token (revoked)', async () => {
    const none = await call(await homeWith(), 'echo', 'say', '--data', '{"text":"x"}');
    expect(none.code).toBe(4);
    const creds = await gatewayCredentials(gw.app, user, { scopes: ['echo.say'] });
    const env = await homeWith({ ...creds, access_token: 'not-a-token', refresh_token: undefined });
    const refused = await call(env, 'echo', 'say', '--data', '{"text":"x"}');
    expect(refused.code).toBe(4);
    expect(refused.stderr).toContain('oauth3 login');
  });

  describe('an action the person approves each time', () => {
    /** A stored login whose token is a personal API token asking each time for echo.say. */
    const askingHome = async () => {
      const token = await apiTokenOf(gw.app, user, ['echo.say'], { actions: { 'echo.say': { ask: true } } });
      const now = Math.floor(Date.now() / 1000);
      return homeWith({
        version: 1,
        issuer: gw.app.url,
        server: { token_endpoint: `${gw.app.url}/token` },
        client: { client_id: 'api-token', token_endpoint_auth_method: 'none', registration: 'static' },
        access_token: token,
        token_type: 'Bearer',
        expires_at: now + 3600,
        scope: 'echo.say',
        obtained_at: now,
      });
    };
    const pendingId = async () =>
      (
        await gw.app.ctx.db
          .selectFrom('proxy_approvals')
          .select(['id', 'status'])
          .where('user_id', '=', user.userId)
          .where('status', '=', 'pending')
          .execute()
      ).map((r) => r.id);

    it('without --wait: says where to approve, exits 3, nothing ran; --approval ID then runs it once', async () => {
      const env = await askingHome();
      const before = gw.echo.requests.length;
      const out = await call(env, 'echo', 'say', '--data', '{"text":"may I"}');
      expect(out.code).toBe(3);
      expect(out.stdout).toBe('');
      const id = /--approval (\S+)/.exec(out.stderr)![1]!;
      expect(out.stderr).toContain(`${gw.app.url}/account/approvals#${id}`);
      expect(gw.echo.requests.length).toBe(before);
      expect(await decideApproval(gw.app.ctx, id, user.userId, 'approved')).toBe(true);
      const approved = await call(env, 'echo', 'say', '--data', '{"text":"may I"}', '--approval', id);
      expect(approved.code).toBe(0);
      expect(JSON.parse(approved.stdout).echo).toEqual({ text: 'may I' });
      // single use: the same approval again is refused with the gateway's reason
      const again = await call(env, 'echo', 'say', '--data', '{"text":"may I"}', '--approval', id);
      expect(again.code).toBe(1);
      expect(gw.echo.requests.length).toBe(before + 1);
    });

    it('with --wait: waits on the status URL until the person approves, then prints the result', async () => {
      const env = await askingHome();
      const running = call(env, 'echo', 'say', '--data', '{"text":"wait for me"}', '--wait');
      let ids: string[] = [];
      for (let i = 0; i < 100 && ids.length === 0; i++) {
        await new Promise((r) => setTimeout(r, 100));
        ids = await pendingId();
      }
      expect(ids).toHaveLength(1);
      await new Promise((r) => setTimeout(r, 500)); // it is polling now
      expect(await decideApproval(gw.app.ctx, ids[0]!, user.userId, 'approved')).toBe(true);
      const out = await running;
      expect(out.code).toBe(0);
      expect(JSON.parse(out.stdout).echo).toEqual({ text: 'wait for me' });
      expect(out.stderr).toContain('waiting for the approval');
    });

    it('with --wait: a denial exits 2, nothing ran', async () => {
      const env = await askingHome();
      const before = gw.echo.requests.length;
      const running = call(env, 'echo', 'say', '--data', '{"text":"no"}', '--wait');
      let ids: string[] = [];
      for (let i = 0; i < 100 && ids.length === 0; i++) {
        await new Promise((r) => setTimeout(r, 100));
        ids = await pendingId();
      }
      expect(await decideApproval(gw.app.ctx, ids[0]!, user.userId, 'denied')).toBe(true);
      const out = await running;
      expect(out.code).toBe(2);
      expect(out.stderr).toContain('the person denied this call');
      expect(gw.echo.requests.length).toBe(before);
    });
  });
});
