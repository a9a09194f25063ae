import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../support/databases.js';
import { createTestUser, type TestUser } from '../support/test-user.js';
import { newApiKey, serverApi } from './server-api-helpers.js';
import { browse, consentUpstream, startConnectRig, type ConnectRig } from './connect-helpers.js';

/**
 * The whole seed-002 flow for an MCP server, over HTTP only: it asks the gateway for a connect link for a person
 * (`/auth/init`), the person approves it on the gateway's page and at the upstream's own pages, the server polls
 * `/auth/status` until complete, then reads the person's upstream token (`/auth/token`) and uses it upstream;
 * the person disconnects through the server (`/auth/revoke`).
 */
describe.each(dialects)('an MCP server connects a person and uses their upstream token (%s)', (dialect) => {
  let rig: ConnectRig;
  let person: TestUser;
  let server: { id: string; key: string; server: string };
  beforeAll(async () => {
    rig = await startConnectRig(dialect);
    person = await createTestUser(rig.app);
    await rig.app.ctx.db.updateTable('users').set({ email: 'ada@example.com' }).where('id', '=', person.userId).execute();
    server = await newApiKey(rig.app, 'Calendar MCP');
  });
  afterAll(() => rig?.stop());

  it('/auth/init → the person approves → /auth/status complete → /auth/token → the upstream accepts it → /auth/revoke', async () => {
    const api = (method: string, path: string, body?: unknown) => serverApi(rig.app, method, path, { key: server.key, body });
    // before: the server may not read the person's token, and learns only how to ask
    const before = await api('POST', '/auth/token', { email: 'ada@example.com', provider: 'upstream' });
    expect([before.status, before.body.details.init.url]).toEqual([403, `${rig.app.url}/auth/init`]);

    const init = await api('POST', '/auth/init', { email: 'ada@example.com', provider: 'upstream', scopes: 'email offline_access' });
    expect(init.status, JSON.stringify(init.body)).toBe(200);
    const link = new URL(init.body.auth_url);
    expect(link.origin).toBe(rig.app.url);
    expect((await api('GET', `/auth/status/${init.body.session_id}`)).body.status).toBe('pending');

    const page = await browse(rig.app, person, link.pathname);
    expect(page.status).toBe(200);
    expect(page.html).toContain('Calendar MCP');
    const approved = await browse(rig.app, person, link.pathname, { decision: 'approve' });
    expect(approved.status).toBe(303);
    const back = await browse(rig.app, person, await consentUpstream(rig.upstream, approved.location!));
    expect(back.status).toBe(303);

    const status = await api('GET', `/auth/status/${init.body.session_id}`);
    expect(status.body).toEqual({ status: 'complete', user_id: person.userId, provider: 'upstream', account: 'alice@upstream.test' });

    const token = await api('POST', '/auth/token', { user_id: person.userId, provider: 'upstream' });
    expect(token.status, JSON.stringify(token.body)).toBe(200);
    expect(token.body.token_type).toBe('Bearer');
    expect(token.body.scope.split(' ')).toEqual(expect.arrayContaining(['openid', 'email']));
    const me = await fetch(`${rig.upstream.issuer}/me`, { headers: { authorization: `Bearer ${token.body.access_token}` } });
    expect(await me.json()).toMatchObject({ sub: 'alice', email: 'alice@upstream.test' });

    const listed = await api('GET', '/auth/providers/ada@example.com');
    expect(listed.body.providers).toEqual([
      expect.objectContaining({ provider: 'upstream', account: 'alice@upstream.test', status: 'active' }),
    ]);
    expect(listed.body.providers[0].last_used_at).toEqual(expect.any(Number));

    const revocations = rig.upstream.counts.revocation;
    const revoked = await api('DELETE', '/auth/revoke', { user_id: person.userId, provider: 'upstream' });
    expect([revoked.status, revoked.body]).toEqual([200, { provider: 'upstream', disconnected: true, revoked_upstream: true }]);
    expect(rig.upstream.counts.revocation).toBe(revocations + 1);
    expect((await api('POST', '/auth/token', { user_id: person.userId, provider: 'upstream' })).status).toBe(403);
    // the upstream no longer accepts what it gave for this connection
    const afterRevoke = await fetch(`${rig.upstream.issuer}/me`, { headers: { authorization: `Bearer ${token.body.access_token}` } });
    expect(afterRevoke.status).toBe(401);
  }, 60_000);
});
