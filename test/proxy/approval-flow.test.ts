import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../support/databases.js';
import type { TestApp } from '../support/test-app.js';
import type { TestUser } from '../support/test-user.js';
import { issueAccessToken } from '../support/tokens.js';
import type { EchoUpstream } from '../support/echo-plugin-upstream.js';
import { startEchoProxyApp, type EchoProxyApp } from '../support/echo-proxy-app.js';
import { setGrantPolicy } from '../../src/proxy/policy/index.js';
import { createApproval, decideApproval } from '../../src/proxy/approvals/index.js';
import { proxyOf } from '../../src/proxy/proxy-of.js';
import { toolError } from '../../src/proxy/mcp/index.js';
import { proxyCalledEvents } from '../support/plugin-call.js';

describe.each(dialects)('passkey approval of one action: the call path on %s', (dialect) => {
  let setup: EchoProxyApp;
  let echo: EchoUpstream;
  let app: TestApp;
  let user: TestUser;
  let n = 0;

  beforeAll(async () => {
    setup = await startEchoProxyApp(dialect, { proxyApprovalMaxPending: 3 });
    ({ app, user, echo } = setup);
  });
  afterAll(() => setup?.stop());

  async function call(token: string, body: unknown, approvalId?: string) {
    const res = await fetch(`${app.url}/proxy/echo/say`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${token}`,
        ...(approvalId ? { 'approval-id': approvalId } : {}),
      },
      body: JSON.stringify(body),
    });
    return { status: res.status, headers: res.headers, body: (await res.json()) as any };
  }
  const status = async (token: string, url: string) => {
    const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
    return { status: res.status, body: (await res.json()) as any };
  };

  /** A token under a grant that asks each time (and, if given, a rate). */
  async function askingToken(rate?: { count: number; per: 'hour' }, grant = `ask-${dialect}-${++n}`) {
    await setGrantPolicy(app.ctx.db, grant, { actions: { 'echo.say': { ask: true, ...(rate ? { rate } : {}) } } });
    const issued = await issueAccessToken(app.ctx, {
      userId: user.userId,
      clientId: 'approval-test-client',
      scopes: ['echo.say'],
      audience: [app.ctx.resources.gatewayUrl],
      ttl: 600,
      lineage: [grant],
    });
    return { token: issued.token, grant };
  }

  it('answers 202 with the approval and runs nothing; once approved, the repeat runs exactly once (counted once)', async () => {
    const { token } = await askingToken({ count: 1, per: 'hour' });
    const before = echo.requests.length;
    const asked = await call(token, { text: 'hello', times: 2 });
    expect(asked.status).toBe(202);
    expect(asked.body).toMatchObject({ error: 'ERR_PROXY_APPROVAL_REQUIRED' });
    const { approval_id: id, status_url, approve_url } = asked.body;
    expect(id).toMatch(/^apr_/);
    expect(status_url).toBe(`${app.ctx.config.publicUrl}/proxy/approvals/${id}`);
    expect(approve_url).toContain('/account/approvals');
    expect(echo.requests.length).toBe(before);
    expect(await status(token, status_url)).toMatchObject({ status: 200, body: { approval_id: id, status: 'pending' } });
    // Not approved yet: refused, nothing runs.
    expect(await call(token, { text: 'hello', times: 2 }, id)).toMatchObject({
      status: 403,
      body: { error: 'ERR_PROXY_APPROVAL_PENDING' },
    });
    expect(await decideApproval(app.ctx, id, user.userId, 'approved')).toBe(true);
    expect((await status(token, status_url)).body.status).toBe('approved');
    // The same input in another key order is the same call.
    const ran = await call(token, { times: 2, text: 'hello' }, id);
    expect(ran.status).toBe(200);
    expect(echo.requests.length).toBe(before + 1);
    expect((await status(token, status_url)).body.status).toBe('used');
    // Replayed: refused, nothing runs again.
    expect(await call(token, { text: 'hello', times: 2 }, id)).toMatchObject({ status: 403, body: { error: 'ERR_PROXY_APPROVAL_USED' } });
    expect(echo.requests.length).toBe(before + 1);
    // The input is stored sealed, never in clear.
    const row = await app.ctx.db.selectFrom('proxy_approvals').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    expect(row.input_sealed).not.toContain('hello');
  });

  it('refuses an approval used with changed arguments (403), and nothing runs', async () => {
    const { token } = await askingToken();
    const id = (await call(token, { text: 'send 10' })).body.approval_id;
    await decideApproval(app.ctx, id, user.userId, 'approved');
    const before = echo.requests.length;
    expect(await call(token, { text: 'send 1000' }, id)).toMatchObject({ status: 403, body: { error: 'ERR_PROXY_APPROVAL_MISMATCH' } });
    expect(echo.requests.length).toBe(before);
  });

  it("refuses another caller's approval (another token under the same grant), and its status is not shown to it", async () => {
    const { token, grant } = await askingToken();
    const other = (await askingToken(undefined, grant)).token;
    const asked = (await call(token, { text: 'mine' })).body;
    await decideApproval(app.ctx, asked.approval_id, user.userId, 'approved');
    expect(await call(other, { text: 'mine' }, asked.approval_id)).toMatchObject({
      status: 403,
      body: { error: 'ERR_PROXY_APPROVAL_MISMATCH' },
    });
    expect((await status(other, asked.status_url)).status).toBe(404);
    // The rightful caller still can.
    expect((await call(token, { text: 'mine' }, asked.approval_id)).status).toBe(200);
  });

  it('refuses an expired approval (403) and a denied one (403)', async () => {
    const { token } = await askingToken();
    const expired = (await call(token, { text: 'late' })).body.approval_id;
    await decideApproval(app.ctx, expired, user.userId, 'approved');
    await app.ctx.db
      .updateTable('proxy_approvals')
      .set({ expires_at: Date.now() - 1 })
      .where('id', '=', expired)
      .execute();
    expect(await call(token, { text: 'late' }, expired)).toMatchObject({ status: 403, body: { error: 'ERR_PROXY_APPROVAL_EXPIRED' } });
    const denied = (await call(token, { text: 'no' })).body.approval_id;
    expect(await decideApproval(app.ctx, denied, user.userId, 'denied')).toBe(true);
    // A decided approval cannot be decided again.
    expect(await decideApproval(app.ctx, denied, user.userId, 'approved')).toBe(false);
    expect(await call(token, { text: 'no' }, denied)).toMatchObject({ status: 403, body: { error: 'ERR_PROXY_APPROVAL_DENIED' } });
  });

  it('consumes atomically: of concurrent calls with one approval exactly one runs', async () => {
    const { token } = await askingToken();
    const id = (await call(token, { text: 'race' })).body.approval_id;
    await decideApproval(app.ctx, id, user.userId, 'approved');
    const before = echo.requests.length;
    const results = await Promise.all(Array.from({ length: 6 }, () => call(token, { text: 'race' }, id)));
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    expect(results.filter((r) => r.status === 403 && r.body.error === 'ERR_PROXY_APPROVAL_USED')).toHaveLength(5);
    expect(echo.requests.length).toBe(before + 1);
  });

  it('through MCP (no header): the tool result says where to approve; the same call again runs once, other arguments do not', async () => {
    const { token } = await askingToken({ count: 1, per: 'hour' });
    const principal = await app.ctx.tokens.verify(token, { kinds: ['access'], audience: app.ctx.resources.gatewayUrl });
    const mcpCall = (input: unknown) => proxyOf(app.ctx).call({ plugin: 'echo', action: 'say', principal, input, via: 'mcp' });
    const refusal = await mcpCall({ text: 'via mcp' }).catch((e: unknown) => e);
    const result = toolError(refusal);
    expect(result?.isError).toBe(true);
    const text = (result!.content[0] as { text: string }).text;
    expect(text).toContain('ERR_PROXY_APPROVAL_REQUIRED');
    expect(text).toContain(`${app.ctx.config.publicUrl}/account/approvals#`);
    expect(text).toContain('call this tool again with the same arguments');
    const id = (refusal as { details: { approval_id: string } }).details.approval_id;
    await decideApproval(app.ctx, id, user.userId, 'approved');
    const before = echo.requests.length;
    // Other arguments: a new approval is asked (the rate of one was taken by the first ask: 429), nothing runs.
    await expect(mcpCall({ text: 'something else' })).rejects.toMatchObject({ code: 'ERR_PROXY_RATE_LIMITED' });
    // The same call again runs, once, not counted a second time.
    await expect(mcpCall({ text: 'via mcp' })).resolves.toBeDefined();
    expect(echo.requests.length).toBe(before + 1);
    await expect(mcpCall({ text: 'via mcp' })).rejects.toMatchObject({ code: 'ERR_PROXY_RATE_LIMITED' });
    expect(echo.requests.length).toBe(before + 1);
  });

  it('names the approval in the proxy.called events of the ask (202), the approved call and a replay, linking them', async () => {
    const { token } = await askingToken();
    const id = (await call(token, { text: 'linked' })).body.approval_id;
    await decideApproval(app.ctx, id, user.userId, 'approved');
    expect((await call(token, { text: 'linked' }, id)).status).toBe(200);
    expect((await call(token, { text: 'linked' }, id)).status).toBe(403);
    const details = (await proxyCalledEvents(app, user.userId))
      .map((r) => (typeof r.detail === 'string' ? JSON.parse(r.detail) : r.detail) as Record<string, any>)
      .filter((d) => d.approval === id);
    expect(details.map((d) => d.outcome).sort()).toEqual(['ERR_PROXY_APPROVAL_REQUIRED', 'ERR_PROXY_APPROVAL_USED', 'ok'].sort());
    expect(details.every((d) => d.action === 'say' && d.approval_required === true)).toBe(true);
  });

  it('caps the pending approvals of one grant (3 here): the next ask is 429 with Retry-After until one is decided or expires', async () => {
    const { token, grant } = await askingToken();
    const sibling = (await askingToken(undefined, grant)).token; // another token under the same grant
    const ids: string[] = [];
    for (const text of ['one', 'two', 'three']) {
      const asked = await call(token, { text });
      expect(asked.status).toBe(202);
      ids.push(asked.body.approval_id);
    }
    const pending = () =>
      app.ctx.db.selectFrom('proxy_approvals').select('id').where('grant_id', '=', grant).where('status', '=', 'pending').execute();
    for (const t of [token, sibling]) {
      const refused = await call(t, { text: 'four' });
      expect([refused.status, refused.body.error, refused.body.details]).toEqual([429, 'ERR_PROXY_APPROVAL_TOO_MANY', { max_pending: 3 }]);
      const retryAfter = Number(refused.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(app.ctx.config.proxyApprovalTtl);
    }
    expect(await pending()).toHaveLength(3); // nothing was asked
    // Another grant is not held back.
    expect((await call((await askingToken()).token, { text: 'elsewhere' })).status).toBe(202);
    // One denied: room for one more ask.
    expect(await decideApproval(app.ctx, ids[0]!, user.userId, 'denied')).toBe(true);
    expect((await call(token, { text: 'four' })).status).toBe(202);
    expect((await call(token, { text: 'five' })).status).toBe(429);
    // One expired: room again.
    await app.ctx.db
      .updateTable('proxy_approvals')
      .set({ expires_at: Date.now() - 1 })
      .where('id', '=', ids[1]!)
      .execute();
    expect((await call(sibling, { text: 'five' })).status).toBe(202);
  });

  it('caps pending approvals without a race: of 40 concurrent asks under one grant with a cap of 20, exactly 20 are asked', async () => {
    const { token, grant } = await askingToken();
    const principal = await app.ctx.tokens.verify(token, { kinds: ['access'], audience: app.ctx.resources.gatewayUrl });
    const ctx = { ...app.ctx, config: { ...app.ctx.config, proxyApprovalMaxPending: 20 } };
    const asks = await Promise.allSettled(
      Array.from({ length: 40 }, (_, i) =>
        createApproval(ctx, { principal, plugin: 'echo', action: 'say', input: { text: `burst ${i}` } }),
      ),
    );
    expect(asks.filter((a) => a.status === 'fulfilled')).toHaveLength(20);
    const refused = asks.flatMap((a) => (a.status === 'rejected' ? [a.reason as { code?: string }] : []));
    expect(refused.map((e) => e.code)).toEqual(Array(20).fill('ERR_PROXY_APPROVAL_TOO_MANY'));
    const rows = await app.ctx.db.selectFrom('proxy_approvals').select('id').where('grant_id', '=', grant).execute();
    expect(rows).toHaveLength(20);
  });

  it('an Approval-Id on a call that needs none does not skip the rate count', async () => {
    const grant = `norate-${dialect}-${++n}`;
    await setGrantPolicy(app.ctx.db, grant, { actions: { 'echo.say': { rate: { count: 1, per: 'hour' } } } });
    const { token } = await issueAccessToken(app.ctx, {
      userId: user.userId,
      clientId: 'approval-test-client',
      scopes: ['echo.say'],
      audience: [app.ctx.resources.gatewayUrl],
      ttl: 600,
      lineage: [grant],
    });
    expect((await call(token, { text: 'a' }, 'apr_x')).status).toBe(200);
    expect((await call(token, { text: 'a' }, 'apr_x')).status).toBe(429);
  });
});
