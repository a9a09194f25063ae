import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '../../src/oauth/index.js';
import { decodeJwt } from '../../src/crypto/index.js';
import { delegate, registerAgent } from '../agents/agent-helpers.js';
import { dialects } from '../support/databases.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { createTestUser, type TestUser } from '../support/test-user.js';
import { basic, codeFor, exchange, postForm, publicClient, refresh } from '../oauth/support/oauth-helpers.js';

const REDIRECT = 'http://127.0.0.1:9/cb';

/**
 * One issuance path: a token's row, the change it belongs to and the audit event that records it commit as one
 * unit. The audit writer's batch interval is set to an hour here, so an event that was only queued (as rotation and
 * client_credentials used to do) would not be in the table when the response arrives.
 */
describe.each(dialects)('tokens and their audit events commit together (%s)', (dialect) => {
  let app: TestApp;
  let user: TestUser;
  beforeAll(async () => {
    app = await startTestApp(dialect, { auditFlushMs: 3_600_000, oauthRefreshGraceSeconds: 0 });
    user = await createTestUser(app);
  });
  afterAll(() => app.stop());

  const events = (action: string) =>
    app.ctx.db.selectFrom('audit_events').select(['target_id', 'user_id']).where('action', '=', action).execute();

  it('client_credentials: the event is stored when the token is answered', async () => {
    const { client, clientSecret } = await createClient(app.ctx.db, { name: 'cc', grantTypes: ['client_credentials'], redirectUris: [] });
    const res = await postForm(`${app.url}/token`, { grant_type: 'client_credentials' }, basic(client.clientId, clientSecret!));
    expect(res.status).toBe(200);
    const jti = (await app.ctx.tokens.verify(res.body.access_token)).tokenId;
    expect((await events('oauth.token.issued')).map((e) => e.target_id)).toContain(jti);
  });

  it('refresh: the event is stored with the rotation; a rotation that lost the race writes neither token nor event', async () => {
    const c = await publicClient(app, REDIRECT);
    const { code, verifier } = await codeFor(app, user, c.client_id, REDIRECT);
    const first = await exchange(app, c.client_id, code, verifier, REDIRECT);
    const before = (await events('oauth.token.refreshed')).length;
    const rows = async () =>
      Number(
        (
          await app.ctx.db
            .selectFrom('access_tokens')
            .select((eb) => eb.fn.countAll().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    const tokensBefore = await rows();
    const [a, b] = await Promise.all([
      refresh(app, c.client_id, first.body.refresh_token),
      refresh(app, c.client_id, first.body.refresh_token),
    ]);
    const won = [a, b].filter((r) => r.status === 200);
    expect(won).toHaveLength(1); // no grace window: the other is a replay (and revokes the family)
    const jti = JSON.parse(Buffer.from(decodeJwt(won[0].body.access_token).payloadB64, 'base64url').toString()).jti;
    const refreshed = await events('oauth.token.refreshed');
    expect(refreshed.length).toBe(before + 1);
    expect(refreshed.map((e) => e.target_id)).toContain(jti);
    expect(await rows()).toBe(tokensBefore + 1);
  });

  it('delegation: the delegation row, its token and its event commit together', async () => {
    const agent = await registerAgent(app, user, 'a', ['mcp']);
    const d = await delegate(app, user, agent.client_id, ['mcp']);
    const row = await app.ctx.db.selectFrom('delegations').select('jti').where('id', '=', d.delegation_id).executeTakeFirstOrThrow();
    expect(row.jti).toBe((await app.ctx.tokens.verify(d.delegation_token)).tokenId);
    expect(
      (await app.ctx.db.selectFrom('access_tokens').select('grant_id').where('jti', '=', row.jti).executeTakeFirstOrThrow()).grant_id,
    ).toBe(d.delegation_id);
    expect((await events('delegation.created')).map((e) => e.user_id)).toContain(user.userId);
  });
});
