// The Slack preset is not plain OAuth: its token endpoint answers a bot token as token_type "bot", and every refusal
// as HTTP 200 {"ok": false, "error": …}. Through the connect flow, the refresh and the revocation, against a local
// stand-in of Slack's OAuth v2 and Web API: each answer is read as what it means.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { vaultOf } from '../../src/vault/index.js';
import { connectSessionStatus, createConnectSession } from '../../src/vault/connect/connect-sessions.js';
import { oauthUpstream } from '../../src/vault/oauth-upstream.js';
import { EndpointResolver, parseProviders, type OAuthProvider } from '../../src/vault/providers/index.js';
import { freePort } from '../support/free-port.js';
import { upstreamRefused } from './upstream-refused.js';
import { startSlackApi, type SlackApi } from '../support/slack-api.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { createTestUser } from '../support/test-user.js';
import { browse } from './connect-helpers.js';

let slack: SlackApi;
let app: TestApp;
beforeAll(async () => {
  slack = await startSlackApi();
  const port = await freePort();
  app = await startTestApp('sqlite', { port, publicUrl: `http://localhost:${port}`, providers: [slack.providerEntry()] });
});
afterAll(async () => {
  await app?.stop();
  await slack?.close();
});

const providerOf = (extra: Record<string, unknown> = {}) => parseProviders([slack.providerEntry(extra)])[0] as OAuthProvider;
const upstream = () => oauthUpstream(new EndpointResolver());

/** A person connects Slack from the gateway's page through the stand-in; returns the person and where the callback led. */
async function connect(o: { tamperCode?: boolean } = {}) {
  const user = await createTestUser(app);
  const s = await createConnectSession(app.ctx, { userId: user.userId, provider: 'slack', scopes: [], apiKeyId: null });
  const approved = await browse(app, user, `/auth/connect/${s.id}`, { decision: 'approve' });
  const authorize = new URL(approved.location!);
  expect(authorize.origin).toBe(slack.url);
  const res = await fetch(authorize, { redirect: 'manual' });
  const callback = new URL(res.headers.get('location')!);
  if (o.tamperCode) callback.searchParams.set('code', 'not-a-code');
  const back = await browse(app, user, callback.pathname + callback.search);
  return { user, session: (await connectSessionStatus(app.ctx, s.id))!, back, authorize };
}

describe('the slack preset against a stand-in of Slack', () => {
  it('parses with its dialect: comma-separated scopes, token types bot and user, errors in the body', () => {
    expect(providerOf()).toMatchObject({ id: 'slack', scopeSeparator: ',', tokenTypes: ['bot', 'user'], errorStyle: 'ok_false' });
    expect(() => parseProviders([slack.providerEntry({ error_style: 'sometimes' })])).toThrow(/error_style/);
    expect(() => parseProviders([slack.providerEntry({ token_types: ['bot token'] })])).toThrow(/token_types/);
  });

  it('connects: the bot token (token_type "bot") is stored, the workspace named by auth.test', async () => {
    const { user, session, back, authorize } = await connect();
    expect(authorize.searchParams.get('scope')).toBe('channels:read,chat:write');
    expect(back.status).toBe(303);
    expect(session).toMatchObject({ status: 'complete', account: 'Acme' });
    const served = await vaultOf(app.ctx).credentialFor(user.userId, 'slack', { server: 'test' });
    expect(served).toMatchObject({ account: 'Acme', tokenType: 'bot' });
    expect(served.accessToken).toMatch(/^xoxe\.xoxb-/);
    expect(slack.liveTokens()).toContain(served.accessToken);
  });

  it('a code Slack refuses (200 {"ok": false, "error": "invalid_code"}) ends the session in error, nothing stored', async () => {
    const { user, session } = await connect({ tamperCode: true });
    expect(session.status).toBe('error');
    expect(session.error).toContain('invalid_grant');
    expect(await vaultOf(app.ctx).connection(user.userId, 'slack')).toBeUndefined();
  });

  it('refresh (token rotation) works, and a spent refresh token is invalid_grant: connect again', async () => {
    const first = await upstream().refresh(providerOf(), await refreshTokenOfNewConnection());
    expect(first).toMatchObject({ tokenType: 'bot', expiresIn: 43200 });
    expect(first.refreshToken).toMatch(/^xoxe-1-/);
    const spent = slack.calls.filter((c) => c.method === 'oauth.v2.access').at(-1)!.params.refresh_token!;
    const e = await upstreamRefused(upstream().refresh(providerOf(), spent));
    expect(e.reason).toBe('invalid_grant');
  });

  it('a wrong client secret (200 {"ok": false, "error": "bad_client_secret"}) is the provider entry’s problem, not the person’s', async () => {
    const e = await upstreamRefused(upstream().refresh(providerOf({ client_secret: 'wrong' }), await refreshTokenOfNewConnection()));
    expect(e.reason).toBe('unavailable');
    expect(e.configuration).toBe(true);
    expect(e.message).toContain('invalid_client');
  });

  it('disconnecting revokes at auth.revoke; a token Slack does not know is not reported as revoked', async () => {
    const { user } = await connect();
    const token = (await vaultOf(app.ctx).credentialFor(user.userId, 'slack', { server: 'test' })).accessToken!;
    const done = await vaultOf(app.ctx).disconnect(user.userId, 'slack', { type: 'user', id: user.userId });
    expect(done).toEqual({ revokedUpstream: true });
    expect(slack.calls.at(-1)!.method).toBe('auth.revoke');
    expect(slack.calls.at(-1)!.params.token).toMatch(/^xoxe-1-/); // the refresh token, with its hint
    expect(slack.liveTokens()).not.toContain(token); // the grant is gone at Slack
    const e = await upstreamRefused(upstream().revoke(providerOf(), 'xoxe-1-unknown', 'refresh_token'));
    expect(e.reason).toBe('unavailable');
  });
});

/** The refresh token Slack issued to a new connection (read back from the stand-in's record of the exchange). */
async function refreshTokenOfNewConnection(): Promise<string> {
  await connect();
  const exchange = slack.calls.filter((c) => c.method === 'oauth.v2.access').at(-1)!;
  expect(exchange.params.grant_type).toBe('authorization_code');
  // the stand-in issued exactly one refresh token for that exchange: the newest live one
  return slack
    .liveTokens()
    .filter((t) => t.startsWith('xoxe-1-'))
    .at(-1)!;
}
