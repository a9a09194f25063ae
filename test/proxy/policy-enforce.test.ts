import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../support/databases.js';
import type { TestApp } from '../support/test-app.js';
import { startEchoGateway, type EchoGateway } from '../support/echo-gateway.js';
import { createTestUser, type TestUser } from '../support/test-user.js';
import { issueAccessToken } from '../support/tokens.js';
import type { UpstreamOidc } from '../support/upstream-oidc.js';
import { connectUpstream } from '../support/upstream-connection.js';
import type { EchoUpstream } from '../support/echo-plugin-upstream.js';
import { callAction } from '../support/plugin-call.js';
import { delegate, exchange, postJson, registerAgent } from '../agents/agent-helpers.js';
import { enforcePolicy, setGrantPolicy } from '../../src/proxy/policy/index.js';

describe.each(dialects)('proxy policy per grant on %s', (dialect) => {
  let upstream: UpstreamOidc;
  let echo: EchoUpstream;
  let gw: EchoGateway;
  let app: TestApp;
  let user: TestUser;
  let n = 0;

  beforeAll(async () => {
    gw = await startEchoGateway(dialect);
    ({ app, upstream, echo } = gw);
    user = await createTestUser(app);
    await connectUpstream(app, user.userId, upstream);
  });
  afterAll(async () => {
    await gw?.stop();
  });

  const call = (token: string, body: unknown) => callAction(app, 'echo/say', token, body);

  /** An access token whose lineage is these grant ids (as the token service writes it). */
  const tokenWith = async (lineage: string[]) =>
    (
      await issueAccessToken(app.ctx, {
        userId: user.userId,
        clientId: 'policy-test-client',
        scopes: ['echo.say'],
        audience: [app.ctx.resources.gatewayUrl],
        ttl: 600,
        lineage,
      })
    ).token;
  const grant = () => `grant-${dialect}-${++n}`;

  it('refuses the call past the rate with 429, Retry-After and a message naming the limit; refused calls are not counted', async () => {
    const g = grant();
    await setGrantPolicy(app.ctx.db, g, { actions: { 'echo.say': { rate: { count: 2, per: 'day' } } } });
    const token = await tokenWith([g]);
    const before = echo.requests.length;
    // A call refused before the count (bad input) takes none.
    expect((await call(token, { text: '' })).status).toBe(400);
    expect((await call(token, { text: 'one' })).status).toBe(200);
    expect((await call(token, { text: 'two' })).status).toBe(200);
    const third = await call(token, { text: 'three' });
    expect(third.status).toBe(429);
    expect(third.body).toMatchObject({ error: 'ERR_PROXY_RATE_LIMITED', message: 'echo.say: at most 2 a day.' });
    const retry = Number(third.headers.get('retry-after'));
    expect(retry).toBeGreaterThan(0);
    expect(retry).toBeLessThanOrEqual(86_400);
    expect(echo.requests.length).toBe(before + 2);
    const rows = await app.ctx.db.selectFrom('proxy_rate_counts').selectAll().where('grant_id', '=', g).execute();
    expect(rows.map((r) => Number(r.count))).toEqual([2]);
  });

  it('the count is shared by every token of the grant', async () => {
    const g = grant();
    await setGrantPolicy(app.ctx.db, g, { actions: { 'echo.say': { rate: { count: 1, per: 'minute' } } } });
    expect((await call(await tokenWith([g]), { text: 'a' })).status).toBe(200);
    const other = await call(await tokenWith([g]), { text: 'b' });
    expect(other.status).toBe(429);
    expect(other.body.message).toBe('echo.say: at most 1 a minute.');
    expect(Number(other.headers.get('retry-after'))).toBeLessThanOrEqual(60);
  });

  it('refuses a call that breaks a constraint with 403 ERR_PROXY_POLICY naming it, and lets one that keeps it through', async () => {
    const g = grant();
    await setGrantPolicy(app.ctx.db, g, {
      actions: {
        'echo.say': {
          constraints: [
            { kind: 'allow', field: 'text', values: ['hello', 'a long hello'] },
            { kind: 'max_length', field: 'text', max: 5 },
          ],
        },
      },
    });
    const token = await tokenWith([g]);
    const before = echo.requests.length;
    expect(await call(token, { text: 'bye' })).toMatchObject({
      status: 403,
      body: { error: 'ERR_PROXY_POLICY', message: 'echo.say: text is not one of the values this grant allows.' },
    });
    expect(await call(token, { text: 'a long hello' })).toMatchObject({
      status: 403,
      body: { error: 'ERR_PROXY_POLICY', message: 'echo.say: text may be at most 5 characters.' },
    });
    expect(echo.requests.length).toBe(before);
    expect((await call(token, { text: 'hello' })).status).toBe(200);
  });

  it('applies the intersection along the lineage: smaller rates win, allow-lists intersect', async () => {
    const parent = grant();
    const child = grant();
    await setGrantPolicy(app.ctx.db, parent, {
      actions: { 'echo.say': { rate: { count: 5, per: 'day' }, constraints: [{ kind: 'allow', field: 'text', values: ['a', 'b'] }] } },
    });
    await setGrantPolicy(app.ctx.db, child, {
      actions: { 'echo.say': { rate: { count: 1, per: 'day' }, constraints: [{ kind: 'allow', field: 'text', values: ['b', 'c'] }] } },
    });
    const token = await tokenWith([child, parent]);
    expect((await call(token, { text: 'a' })).status).toBe(403); // the child does not allow it
    expect((await call(token, { text: 'c' })).status).toBe(403); // the parent does not allow it
    expect((await call(token, { text: 'b' })).status).toBe(200);
    expect(await call(token, { text: 'b' })).toMatchObject({ status: 429, body: { message: 'echo.say: at most 1 a day.' } });
    // The refused call did not take one of the parent's: it has 1 of 5.
    const rows = await app.ctx.db.selectFrom('proxy_rate_counts').selectAll().where('grant_id', '=', parent).execute();
    expect(rows.map((r) => Number(r.count))).toEqual([1]);
  });

  it("binds a delegation's exchanged token by the delegation's policy, and an edit takes effect on the next call", async () => {
    const agent = await registerAgent(app, user, `policy agent ${dialect}`, ['echo.say']);
    const d = await delegate(app, user, agent.client_id, ['echo.say']);
    const sub = await exchange(app, agent, { subject_token: d.delegation_token, scope: 'echo.say' });
    expect(sub.status).toBe(200);
    expect((await call(sub.body.access_token, { text: 'free' })).status).toBe(200);
    await setGrantPolicy(app.ctx.db, d.delegation_id, {
      actions: { 'echo.say': { constraints: [{ kind: 'max_length', field: 'text', max: 2 }] } },
    });
    expect(await call(sub.body.access_token, { text: 'free' })).toMatchObject({ status: 403, body: { error: 'ERR_PROXY_POLICY' } });
    expect((await call(d.delegation_token, { text: 'free' })).status).toBe(403);
    expect((await call(sub.body.access_token, { text: 'ok' })).status).toBe(200);
    await setGrantPolicy(app.ctx.db, d.delegation_id, null);
    expect((await call(sub.body.access_token, { text: 'free' })).status).toBe(200);
  });

  it('/delegate takes a policy: checked (400 naming what is wrong), stored with the delegation, enforced on its tokens', async () => {
    const agent = await registerAgent(app, user, `policy body agent ${dialect}`, ['echo.say']);
    const bad = await postJson(app, '/delegate', user.headers, {
      agent_id: agent.client_id,
      scopes: ['echo.say'],
      policy: { actions: { 'echo.say': { rate: { count: 3, per: 'week' } } } },
    });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ error: 'ERR_PROXY_POLICY_INVALID' });
    expect(bad.body.message).toContain('rate.per must be minute, hour or day');
    const d = await delegate(app, user, agent.client_id, ['echo.say'], {
      policy: { actions: { 'echo.say': { rate: { count: 1, per: 'hour' }, ask: true } } },
    });
    const sub = await exchange(app, agent, { subject_token: d.delegation_token, scope: 'echo.say' });
    // It asks each time: 202 (nothing ran), counted when asked.
    expect((await call(sub.body.access_token, { text: 'once' })).status).toBe(202);
    expect(await call(d.delegation_token, { text: 'twice' })).toMatchObject({
      status: 429,
      body: { error: 'ERR_PROXY_RATE_LIMITED', message: 'echo.say: at most 1 an hour.' },
    });
  });

  it('an API token takes a policy when it is created (checked first), enforced under its id', async () => {
    const bad = await postJson(app, '/api/v1/me/tokens', user.headers, {
      name: `bad policy ${dialect}`,
      scopes: ['echo.say'],
      policy: { actions: { 'echo.say': { constraints: [{ kind: 'allow', field: 'text' }] } } },
    });
    expect(bad).toMatchObject({ status: 400, body: { error: 'ERR_PROXY_POLICY_INVALID' } });
    expect((await app.ctx.db.selectFrom('api_tokens').select('id').where('name', '=', `bad policy ${dialect}`).execute()).length).toBe(0);
    const res = await postJson(app, '/api/v1/me/tokens', user.headers, {
      name: `policy ${dialect}`,
      scopes: ['echo.say'],
      policy: { actions: { 'echo.say': { constraints: [{ kind: 'allow', field: 'text', values: ['x'] }] } } },
    });
    expect(res.status).toBe(201);
    expect((await call(res.body.token, { text: 'y' })).status).toBe(403);
    expect((await call(res.body.token, { text: 'x' })).status).toBe(200);
  });

  it("binds a sub-delegation made with a token by that token's policy too (only narrower: the intersection)", async () => {
    const agent = await registerAgent(app, user, `sub agent ${dialect}`, ['echo.say']);
    const parent = await postJson(app, '/api/v1/me/tokens', user.headers, {
      name: `delegating ${dialect}`,
      scopes: ['delegate', 'echo.say'],
      policy: { actions: { 'echo.say': { constraints: [{ kind: 'allow', field: 'text', values: ['a', 'b'] }] } } },
    });
    expect(parent.status).toBe(201);
    const bearer = { authorization: `Bearer ${parent.body.token}` };
    // The sub-delegation asks for a wider allow-list: the parent's still binds it.
    const sub = await postJson(app, '/delegate', bearer, {
      agent_id: agent.client_id,
      scopes: ['echo.say'],
      policy: { actions: { 'echo.say': { constraints: [{ kind: 'allow', field: 'text', values: ['b', 'c'] }] } } },
    });
    expect(sub.status).toBe(201);
    const exchanged = await exchange(app, agent, { subject_token: sub.body.delegation_token, scope: 'echo.say' });
    for (const token of [sub.body.delegation_token, exchanged.body.access_token]) {
      expect((await call(token, { text: 'a' })).status).toBe(403);
      expect((await call(token, { text: 'c' })).status).toBe(403);
      expect((await call(token, { text: 'b' })).status).toBe(200);
    }
  });

  it('refuses every call under a grant whose stored policy cannot be read (fail-closed)', async () => {
    const g = grant();
    const token = await tokenWith([g]);
    for (const policy of ['{not json', JSON.stringify({ actions: { 'echo.say': { rate: { count: -1, per: 'day' } } } }), '[]']) {
      await app.ctx.db
        .insertInto('proxy_policies')
        .values({ grant_id: g, policy, updated_at: Date.now() })
        .onConflict((oc) => oc.column('grant_id').doUpdateSet({ policy }))
        .execute();
      const res = await call(token, { text: 'hello' });
      expect(res.status).toBe(403);
      expect(res.body.error).toBe('ERR_PROXY_POLICY');
      expect(res.body.message).toContain('cannot be read');
    }
  });

  it('a path constraint (http plugin) holds the path under its prefix, without dot segments, and the methods', async () => {
    const g = grant();
    await setGrantPolicy(app.ctx.db, g, {
      actions: { 'web.call': { constraints: [{ kind: 'path', prefix: '/v1/', methods: ['get'] }], rate: { count: 100, per: 'day' } } },
    });
    const principal = { kind: 'access', tokenId: 'at-x', userId: user.userId, scopes: ['web.call'], chain: [], lineage: [g] } as any;
    const hosted = { qualifiedName: 'web.call', action: { name: 'call', scope: 'web.call' } } as any;
    const ok = await enforcePolicy(app.ctx, principal, hosted, { path: '/v1/items', method: 'GET' });
    expect(ok).toEqual({ constraints: ['path:/v1/'], approvalRequired: false });
    for (const [input, why] of [
      [{ path: '/v2/items', method: 'GET' }, 'the path must start with /v1/'],
      [{ path: '/v1/../admin', method: 'GET' }, 'the path must start with /v1/'],
      [{ path: '/v1/%2e%2e/admin', method: 'GET' }, 'the path must start with /v1/'],
      [{ path: 'v1/items' }, 'the path must start with /v1/'],
      [{ path: '/v1/items', method: 'DELETE' }, 'the method must be GET'],
    ] as const) {
      await expect(enforcePolicy(app.ctx, principal, hosted, input)).rejects.toMatchObject({
        status: 403,
        code: 'ERR_PROXY_POLICY',
        message: `web.call: ${why}.`,
      });
    }
    // Only the allowed call was counted.
    const rows = await app.ctx.db.selectFrom('proxy_rate_counts').selectAll().where('grant_id', '=', g).execute();
    expect(rows.map((r) => Number(r.count))).toEqual([1]);
  });

  it('"ask" is returned as approvalRequired if any policy along the lineage asks', async () => {
    const [a, b] = [grant(), grant()];
    await setGrantPolicy(app.ctx.db, a, { actions: { 'web.call': { ask: false } } });
    await setGrantPolicy(app.ctx.db, b, { actions: { 'web.call': { ask: true } } });
    const hosted = { qualifiedName: 'web.call', action: { name: 'call', scope: 'web.call' } } as any;
    const p = (lineage: string[]) => ({ kind: 'access', tokenId: 'at-y', userId: user.userId, scopes: [], chain: [], lineage }) as any;
    expect((await enforcePolicy(app.ctx, p([a]), hosted, {})).approvalRequired).toBe(false);
    expect((await enforcePolicy(app.ctx, p([a, b]), hosted, {})).approvalRequired).toBe(true);
  });

  it('refuses to store an invalid policy, naming what is wrong', async () => {
    await expect(setGrantPolicy(app.ctx.db, grant(), { actions: { 'echo.say': { rate: { count: 0, per: 'day' } } } })).rejects.toThrow(
      /rate\.count must be a whole number/,
    );
    await expect(setGrantPolicy(app.ctx.db, grant(), { actions: { 'echo.say': { constraints: [{ kind: 'regex' }] } } })).rejects.toThrow(
      /kind must be allow, path or max_length/,
    );
  });
});
