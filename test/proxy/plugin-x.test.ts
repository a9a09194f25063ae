import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { createTestUser, type TestUser } from '../support/test-user.js';
import { startXApi, type XApi } from '../support/x-api.js';
import { apiTokenOf, callAction } from '../support/plugin-call.js';
import { vaultOf } from '../../src/vault/index.js';

describe('the x plugin against an X API v2 stand-in', () => {
  let xApi: XApi;
  let app: TestApp;
  let user: TestUser;
  let token: string;
  const xToken = 'x-access-token-of-alice';

  beforeAll(async () => {
    xApi = await startXApi();
    xApi.addUser(xToken, 'alice', '4242');
    app = await startTestApp(
      'sqlite',
      {
        providers: [{ preset: 'x', client_id: 'x-client', client_secret: 'x-secret', token_endpoint: `${xApi.url}/2/oauth2/token` }],
        proxyAllowRanges: ['127.0.0.0/8'],
      },
      [],
      undefined,
      { OAUTH3_X_API_BASE: xApi.url },
    );
    user = await createTestUser(app);
    await vaultOf(app.ctx).store({
      userId: user.userId,
      provider: 'x',
      account: '@alice',
      scopes: 'tweet.read tweet.write users.read offline.access',
      secret: { kind: 'oauth', access_token: xToken, token_type: 'bearer', refresh_token: 'x-refresh' },
      expiresAt: Date.now() + 2 * 3600_000,
    });
    token = await apiTokenOf(app, user, ['tweet.post', 'tweet.read']);
  });
  afterAll(async () => {
    await app?.stop();
    await xApi?.close();
  });

  it('posts a tweet with the person’s X token; X never sees the agent’s token', async () => {
    const before = xApi.requests.length;
    const res = await callAction(app, 'x/tweet.post', token, { text: 'hello from an agent' });
    expect(res.status).toBe(200);
    const id = xApi.tweets.at(-1)!.id;
    expect(res.body).toEqual({ result: { id, text: 'hello from an agent', url: `https://x.com/i/status/${id}` } });
    const sent = xApi.requests.slice(before);
    expect(sent.map((r) => `${r.method} ${r.path}`)).toEqual(['POST /2/tweets']);
    expect(sent[0]!.headers.authorization).toBe(`Bearer ${xToken}`);
    expect(JSON.parse(sent[0]!.body)).toEqual({ text: 'hello from an agent' });
    expect(JSON.stringify(xApi.requests)).not.toContain(token);

    const reply = await callAction(app, 'x/tweet.post', token, { text: 'a reply', reply_to: id });
    expect(reply.status).toBe(200);
    expect(xApi.tweets.at(-1)).toMatchObject({ text: 'a reply', in_reply_to: id });
  });

  it('reads the person’s recent tweets: /2/users/me, then /2/users/:id/tweets with max_results', async () => {
    await callAction(app, 'x/tweet.post', token, { text: 'one more for the timeline' });
    const before = xApi.requests.length;
    const res = await callAction(app, 'x/tweet.read', token, { max_results: 5 });
    expect(res.status).toBe(200);
    expect(res.body.result.user).toEqual({ id: '4242', username: 'alice' });
    expect(res.body.result.tweets[0].text).toBe('one more for the timeline');
    expect(res.body.result.meta.result_count).toBe(res.body.result.tweets.length);
    const paths = xApi.requests.slice(before).map((r) => r.path);
    expect(paths[0]).toBe('/2/users/me');
    expect(paths[1]).toMatch(/^\/2\/users\/4242\/tweets\?max_results=5&/);
    expect((await callAction(app, 'x/tweet.read', token, {})).body.result.tweets.length).toBeGreaterThan(0);
  });

  it('refuses a token without the action’s scope, or with another plugin’s, before anything is sent', async () => {
    const before = xApi.requests.length;
    const readOnly = await apiTokenOf(app, user, ['tweet.read']);
    const res = await callAction(app, 'x/tweet.post', readOnly, { text: 'not allowed' });
    expect([res.status, res.body.error]).toEqual([403, 'insufficient_scope']);
    expect(res.body.error_description).toContain('tweet.post');
    const telegramOnly = await apiTokenOf(app, user, ['telegram.post_any']);
    const other = await callAction(app, 'x/tweet.read', telegramOnly, {});
    expect([other.status, other.body.error]).toEqual([403, 'insufficient_scope']);
    expect(other.body.error_description).toContain('tweet.read');
    expect(xApi.requests.length).toBe(before);
  });

  it('refuses input outside the schema (a tweet over 280 characters, max_results out of bounds) naming the field', async () => {
    const before = xApi.requests.length;
    const long = await callAction(app, 'x/tweet.post', token, { text: 'x'.repeat(281) });
    expect([long.status, long.body.error]).toEqual([400, 'ERR_PROXY_INVALID_INPUT']);
    expect(long.body.message).toContain('text');
    expect((await callAction(app, 'x/tweet.post', token, { text: 'hi', reply_to: '../1' })).status).toBe(400);
    const many = await callAction(app, 'x/tweet.read', token, { max_results: 500 });
    expect([many.status, many.body.error]).toEqual([400, 'ERR_PROXY_INVALID_INPUT']);
    expect(many.body.message).toContain('max_results');
    expect(xApi.requests.length).toBe(before);
  });

  it('maps X’s refusals: duplicate content 422, rate limit 429 with Retry-After, an outage 502 naming X', async () => {
    await callAction(app, 'x/tweet.post', token, { text: 'said twice' });
    const dup = await callAction(app, 'x/tweet.post', token, { text: 'said twice' });
    expect([dup.status, dup.body.error]).toEqual([422, 'ERR_PROXY_UPSTREAM_REFUSED']);
    expect(dup.body.message).toContain('duplicate content');

    const reset = Math.floor(Date.now() / 1000) + 120;
    xApi.failNext({
      status: 429,
      body: { title: 'Too Many Requests', detail: 'Too Many Requests', type: 'about:blank', status: 429 },
      headers: { 'x-rate-limit-reset': String(reset), 'x-rate-limit-remaining': '0' },
    });
    const limited = await callAction(app, 'x/tweet.post', token, { text: 'too often' });
    expect([limited.status, limited.body.error]).toEqual([429, 'ERR_PROXY_UPSTREAM_RATE_LIMITED']);
    expect(limited.body.error_description).toBeUndefined(); // the proxy's shape, not OAuth's
    const retryAfter = Number(limited.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(100);
    expect(retryAfter).toBeLessThanOrEqual(121);
    expect(limited.body.message).toBe(`X limits how often this may be done: retry in ${retryAfter} s.`);
    expect(limited.body.details).toEqual({ upstream: 'X', retry_after: retryAfter });

    xApi.failNext({
      status: 403,
      body: { title: 'Forbidden', detail: 'You are not permitted to perform this action.', type: 'about:blank', status: 403 },
    });
    const forbidden = await callAction(app, 'x/tweet.post', token, { text: 'forbidden' });
    expect([forbidden.status, forbidden.body.message]).toEqual([
      422,
      'X refused the request (403: Forbidden: You are not permitted to perform this action.).',
    ]);

    xApi.failNext({ status: 503, body: { title: 'Service Unavailable', type: 'about:blank', status: 503 } });
    const down = await callAction(app, 'x/tweet.read', token, {});
    expect([down.status, down.body.error]).toEqual([502, 'ERR_PROXY_UPSTREAM_FAILED']);
    expect(down.body.message).toContain('X answered 503');
    expect(JSON.stringify([dup.body, limited.body, down.body])).not.toContain(xToken);
  });

  it('an access token X no longer accepts: refreshed once through the vault with the refresh token, the call retried', async () => {
    const bob = await createTestUser(app);
    const bobId = xApi.addUser('x-access-of-bob', 'bob', '777');
    xApi.addRefreshToken('x-refresh-of-bob', bobId);
    await vaultOf(app.ctx).store({
      userId: bob.userId,
      provider: 'x',
      account: '@bob',
      scopes: 'tweet.read tweet.write users.read offline.access',
      secret: { kind: 'oauth', access_token: 'x-access-of-bob', token_type: 'bearer', refresh_token: 'x-refresh-of-bob' },
      expiresAt: Date.now() + 2 * 3600_000,
    });
    xApi.revokeToken('x-access-of-bob');
    const before = xApi.requests.length;
    const res = await callAction(app, 'x/tweet.post', await apiTokenOf(app, bob, ['tweet.post']), { text: 'after a refresh' });
    expect(res.status).toBe(200);
    expect(xApi.tweets.at(-1)).toMatchObject({ text: 'after a refresh', author_id: '777' });
    const sent = xApi.requests.slice(before);
    expect(sent.map((r) => `${r.method} ${r.path.split('?')[0]}`)).toEqual(['POST /2/tweets', 'POST /2/oauth2/token', 'POST /2/tweets']);
    expect(sent[2]!.headers.authorization).toMatch(/^Bearer x-access-\d+$/);
  });

  it('answers 424 with the connect URL for a person who has not connected X', async () => {
    const stranger = await createTestUser(app);
    const res = await callAction(app, 'x/tweet.post', await apiTokenOf(app, stranger, ['tweet.post']), { text: 'no account' });
    expect([res.status, res.body.error]).toEqual([424, 'ERR_PROXY_NOT_CONNECTED']);
    expect(res.body.details.connect_url).toBe(`${app.url}/account/connections`);
  });
});
