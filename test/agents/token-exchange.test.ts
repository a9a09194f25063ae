import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../support/databases.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { createTestUser, type TestUser } from '../support/test-user.js';
import { claims, delegate, exchange, postJson, registerAgent } from './agent-helpers.js';
import { issueAccessToken } from '../support/tokens.js';

type Agent = { client_id: string; client_secret: string };

describe.each(dialects)('sub-delegation by token exchange (RFC 8693) on %s', (dialect) => {
  let app: TestApp;
  let user: TestUser;
  let a: Agent;
  let b: Agent;
  let c: Agent;
  let d: Agent;
  beforeAll(async () => {
    app = await startTestApp(dialect, { tokenExchangeMaxDepth: 3 });
    user = await createTestUser(app);
    a = await registerAgent(app, user, 'planner', ['mcp', 'profile']);
    b = await registerAgent(app, user, 'researcher', ['mcp', 'profile']);
    c = await registerAgent(app, user, 'fetcher', ['mcp']);
    d = await registerAgent(app, user, 'parser', ['mcp']);
  });
  afterAll(() => app.stop());

  const valid = async (token: string) => (await postJson(app, '/validate_delegation', {}, { delegation_token: token })).body;

  it('a three-level chain records the actors in a nested act claim; cutting it at the middle refuses both descendants at once', async () => {
    const t1 = (await delegate(app, user, a.client_id, ['mcp', 'profile'])).delegation_token;
    const x2 = await exchange(app, a, { subject_token: t1, requested_actor: b.client_id, scope: 'mcp profile' });
    expect(x2.status).toBe(200);
    expect(x2.body).toMatchObject({
      issued_token_type: 'urn:ietf:params:oauth:token-type:access_token',
      token_type: 'Bearer',
      scope: 'mcp profile',
    });
    const t2 = x2.body.access_token as string;
    const t3 = (await exchange(app, b, { subject_token: t2, requested_actor: c.client_id, scope: 'mcp' })).body.access_token as string;
    const t4 = (await exchange(app, c, { subject_token: t3, requested_actor: d.client_id })).body.access_token as string;
    expect(claims(t4)).toMatchObject({
      sub: user.userId,
      client_id: d.client_id,
      scope: 'mcp',
      act: { sub: d.client_id, act: { sub: c.client_id, act: { sub: b.client_id, act: { sub: a.client_id } } } },
    });
    expect((await app.ctx.tokens.verify(t4)).chain).toEqual([d.client_id, c.client_id, b.client_id, a.client_id]);
    for (const t of [t1, t2, t3, t4]) expect((await valid(t)).valid).toBe(true); // all verified (and cached)

    const cut = await postJson(app, '/revoke_delegation', {}, { delegation_token: t2 });
    expect(cut.body).toEqual({ status: 'revoked' });
    expect(await valid(t2)).toEqual({ valid: false, reason: 'token revoked' });
    expect(await valid(t3)).toEqual({ valid: false, reason: 'token revoked' });
    expect(await valid(t4)).toEqual({ valid: false, reason: 'token revoked' });
    expect((await valid(t1)).valid).toBe(true); // above the cut: untouched
    const used = await fetch(`${app.url}/api/v1/me/agents`, { headers: { authorization: `Bearer ${t4}` } });
    expect(used.status).toBe(401);
    // and a revoked token cannot be exchanged again
    const again = await exchange(app, c, { subject_token: t3, requested_actor: d.client_id });
    expect(again.status).toBe(400);
    expect(again.body).toEqual({ error: 'invalid_grant', error_description: 'subject_token: token revoked' });
  });

  it('revoking the delegation revokes every exchanged descendant', async () => {
    const t1 = (await delegate(app, user, a.client_id, ['mcp'])).delegation_token;
    const t2 = (await exchange(app, a, { subject_token: t1, requested_actor: b.client_id })).body.access_token;
    const t3 = (await exchange(app, b, { subject_token: t2, requested_actor: c.client_id })).body.access_token;
    expect((await postJson(app, '/revoke_delegation', {}, { delegation_token: t1 })).body).toEqual({ status: 'revoked' });
    for (const t of [t1, t2, t3]) expect((await valid(t)).reason).toBe('token revoked');
  });

  it('refuses an exchange that widens the scope, the resource or the lifetime', async () => {
    const t1 = (await delegate(app, user, a.client_id, ['mcp'], { expires_in: 600 })).delegation_token;
    const scope = await exchange(app, a, { subject_token: t1, requested_actor: b.client_id, scope: 'mcp profile' });
    expect(scope.status).toBe(400);
    expect(scope.body).toEqual({ error: 'invalid_scope', error_description: 'an exchange cannot widen the scope: profile' });
    const resource = await exchange(app, a, { subject_token: t1, requested_actor: b.client_id, resource: 'https://elsewhere.example' });
    expect(resource.status).toBe(400);
    expect(resource.body.error).toBe('invalid_target');
    const lifetime = await exchange(app, a, { subject_token: t1, requested_actor: b.client_id, expires_in: '3600' });
    expect(lifetime.status).toBe(400);
    expect(lifetime.body.error).toBe('invalid_request');
    expect(lifetime.body.error_description).toContain('cannot widen the lifetime');
    const narrower = await exchange(app, a, { subject_token: t1, requested_actor: b.client_id, expires_in: '60', resource: app.url });
    expect(narrower.status).toBe(200);
    expect(narrower.body.expires_in).toBe(60);
    expect(claims(narrower.body.access_token).exp - claims(t1).exp).toBeLessThan(0);
  });

  it('refuses a chain deeper than the configured limit', async () => {
    const t1 = (await delegate(app, user, a.client_id, ['mcp'])).delegation_token;
    const t2 = (await exchange(app, a, { subject_token: t1, requested_actor: b.client_id })).body.access_token;
    const t3 = (await exchange(app, b, { subject_token: t2, requested_actor: c.client_id })).body.access_token;
    const t4 = (await exchange(app, c, { subject_token: t3, requested_actor: d.client_id })).body.access_token;
    const t5 = await exchange(app, d, { subject_token: t4, requested_actor: c.client_id });
    expect(t5.status).toBe(400);
    expect(t5.body).toEqual({ error: 'invalid_grant', error_description: 'the delegation chain may not be longer than 3 exchanges' });
  });

  it('refuses a subject token held by another client, a tampered or expired one, and a sub-agent not registered for the scope', async () => {
    const t1 = (await delegate(app, user, a.client_id, ['mcp', 'profile'])).delegation_token;
    const stolen = await exchange(app, b, { subject_token: t1, requested_actor: b.client_id });
    expect(stolen.body).toEqual({ error: 'invalid_grant', error_description: 'the subject_token was not issued to this client' });
    const tampered = await exchange(app, a, { subject_token: t1.slice(0, -4) + 'AAAA', requested_actor: b.client_id });
    expect(tampered.body).toEqual({ error: 'invalid_grant', error_description: 'subject_token: token rejected: signature' });
    const notRegistered = await exchange(app, a, { subject_token: t1, requested_actor: c.client_id, scope: 'profile' });
    expect(notRegistered.body).toEqual({ error: 'invalid_scope', error_description: 'the agent is not registered for scope: profile' });
    const notAgent = await exchange(app, a, { subject_token: t1, requested_actor: 'c-unknown' });
    expect(notAgent.body.error).toBe('invalid_request');
    const expired = await issueAccessToken(app.ctx, {
      userId: user.userId,
      clientId: a.client_id,
      scopes: ['mcp'],
      audience: [app.url],
      ttl: -1,
    });
    expect((await exchange(app, a, { subject_token: expired.token })).body).toEqual({
      error: 'invalid_grant',
      error_description: 'subject_token: token expired',
    });
    const stranger = await createTestUser(app);
    const theirs = await registerAgent(app, stranger, 'not yours', ['mcp']);
    const leak = await exchange(app, a, { subject_token: t1, requested_actor: theirs.client_id, scope: 'mcp' });
    expect(leak.body).toEqual({
      error: 'invalid_request',
      error_description: 'requested_actor must be an agent of the same owner as this agent, or of the person',
    });
    const wrongSecret = await exchange(app, { client_id: a.client_id, client_secret: 'wrong' }, { subject_token: t1 });
    expect(wrongSecret.status).toBe(401);
  });
});
