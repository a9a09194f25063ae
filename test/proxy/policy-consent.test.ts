import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../support/databases.js';
import type { TestApp } from '../support/test-app.js';
import { startEchoGateway, type EchoGateway } from '../support/echo-gateway.js';
import { createTestUser, type TestUser } from '../support/test-user.js';
import { connectUpstream } from '../support/upstream-connection.js';
import { callAction } from '../support/plugin-call.js';
import { codeFor, exchange, pkce, publicClient } from '../oauth/support/oauth-helpers.js';

describe.each(dialects)('limits set on the consent page, on %s', (dialect) => {
  let gw: EchoGateway;
  let app: TestApp;
  let user: TestUser;
  const redirectUri = 'http://127.0.0.1:9/cb';

  beforeAll(async () => {
    gw = await startEchoGateway(dialect);
    app = gw.app;
    user = await createTestUser(app);
    await connectUpstream(app, user.userId, gw.upstream);
  });
  afterAll(async () => {
    await gw?.stop();
  });

  /** The consent page for this request (its HTML) and the form's fields to post back. */
  const consentFor = async (clientId: string, scope: string, extra: Record<string, string> = {}) => {
    const { verifier, challenge } = pkce();
    const params = new URLSearchParams({
      response_type: 'code',
      client_id: clientId,
      redirect_uri: redirectUri,
      scope,
      state: 'st',
      code_challenge: challenge,
      code_challenge_method: 'S256',
      ...extra,
    });
    const first = await fetch(`${app.url}/authorize?${params}`, { redirect: 'manual' });
    const page = await fetch(new URL(first.headers.get('location')!, app.url), { headers: { cookie: user.cookie } });
    return { html: await page.text(), params, verifier };
  };
  const approve = (params: URLSearchParams, fields: Record<string, string>) => {
    const body = new URLSearchParams(params);
    body.set('_csrf', user.csrf);
    body.set('decision', 'approve');
    for (const [k, v] of Object.entries(fields)) body.append(k, v);
    return fetch(`${app.url}/oauth/authorize/approve`, {
      method: 'POST',
      headers: { cookie: user.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body,
      redirect: 'manual',
    });
  };
  const tokenFrom = async (clientId: string, approved: Response, verifier: string) => {
    expect(approved.status).toBe(302);
    const code = new URL(approved.headers.get('location')!).searchParams.get('code')!;
    const tokens = await exchange(app, clientId, code, verifier, redirectUri);
    expect(tokens.status).toBe(200);
    return tokens.body.access_token as string;
  };

  it('a rate of 1 a day set when consenting is stored under the consent grant and binds its tokens: the second call is 429', async () => {
    const client = await publicClient(app, redirectUri);
    const { html, params, verifier } = await consentFor(client.client_id, 'echo.say');
    // One set of fields per action of the scope asked for; none for an action of a scope not asked for.
    expect(html).toContain('data-testid="policy-fields"');
    expect(html).toContain('name="policy_rate_count:echo.say"');
    expect(html).toContain('name="policy_rate_count:echo.swallow"');
    expect(html).not.toContain('policy_rate_count:echo.fetch');
    const token = await tokenFrom(
      client.client_id,
      await approve(params, { 'policy_rate_count:echo.say': '1', 'policy_rate_per:echo.say': 'day' }),
      verifier,
    );
    const grant = await app.ctx.db
      .selectFrom('oauth_grants')
      .select('id')
      .where('client_id', '=', client.client_id)
      .executeTakeFirstOrThrow();
    const stored = await app.ctx.db.selectFrom('proxy_policies').selectAll().where('grant_id', '=', grant.id).executeTakeFirstOrThrow();
    expect(JSON.parse(stored.policy)).toEqual({ actions: { 'echo.say': { rate: { count: 1, per: 'day' } } } });

    const before = gw.echo.requests.length;
    expect((await callAction(app, 'echo/say', token, { text: 'one' })).status).toBe(200);
    const second = await callAction(app, 'echo/say', token, { text: 'two' });
    expect(second.status).toBe(429);
    expect(second.body).toMatchObject({ error: 'ERR_PROXY_RATE_LIMITED', message: 'echo.say: at most 1 a day.' });
    expect(gw.echo.requests.length).toBe(before + 1);

    // A new code for the same consent (remembered, a new refresh family) does not start the count again.
    const again = await codeFor(app, user, client.client_id, redirectUri, { scope: 'echo.say' });
    const tokens = await exchange(app, client.client_id, again.code, again.verifier, redirectUri);
    expect((await callAction(app, 'echo/say', tokens.body.access_token, { text: 'three' })).status).toBe(429);
  });

  it('a limit on one action of a scope leaves the other actions of the scope free', async () => {
    const client = await publicClient(app, redirectUri);
    const { params, verifier } = await consentFor(client.client_id, 'echo.say');
    const token = await tokenFrom(client.client_id, await approve(params, { 'policy_rate_count:echo.swallow': '1' }), verifier);
    expect((await callAction(app, 'echo/swallow', token, { text: 'a' })).status).toBe(200);
    expect((await callAction(app, 'echo/swallow', token, { text: 'b' })).status).toBe(429);
    expect((await callAction(app, 'echo/say', token, { text: 'c' })).status).toBe(200);
    expect((await callAction(app, 'echo/say', token, { text: 'd' })).status).toBe(200);
  });

  it('refuses a limit on an action whose scope is not granted (400 naming it) and writes no grant', async () => {
    const client = await publicClient(app, redirectUri);
    const { params } = await consentFor(client.client_id, 'echo.say');
    const res = await approve(params, { 'policy_rate_count:echo.fetch': '5' });
    expect(res.status).toBe(400);
    expect((await res.json()).message).toBe(
      'The policy is not valid: "echo.fetch" is neither an action nor a plugin scope granted here (echo.say).',
    );
    const grants = await app.ctx.db.selectFrom('oauth_grants').select('id').where('client_id', '=', client.client_id).execute();
    expect(grants).toEqual([]);
  });

  it('refuses an invalid limit (400) and writes no grant', async () => {
    const client = await publicClient(app, redirectUri);
    const { params } = await consentFor(client.client_id, 'echo.say');
    const res = await approve(params, { 'policy_rate_count:echo.say': '0' });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('The policy is not valid');
    expect(await app.ctx.db.selectFrom('oauth_grants').select('id').where('client_id', '=', client.client_id).execute()).toEqual([]);
  });

  it('never carries a limit field of the authorization request into the form (an app cannot pre-set or void the limits)', async () => {
    const client = await publicClient(app, redirectUri);
    const { html } = await consentFor(client.client_id, 'echo.say', { 'policy_rate_count:echo.say': '1000000' });
    expect(html).not.toContain('value="1000000"');
    expect(html.match(/name="policy_rate_count:echo.say"/g)).toHaveLength(1);
  });

  it('approving without limits stores none', async () => {
    const client = await publicClient(app, redirectUri);
    const { params, verifier } = await consentFor(client.client_id, 'echo.say');
    const token = await tokenFrom(client.client_id, await approve(params, { 'policy_rate_per:echo.say': 'day' }), verifier);
    const grant = await app.ctx.db
      .selectFrom('oauth_grants')
      .select('id')
      .where('client_id', '=', client.client_id)
      .executeTakeFirstOrThrow();
    expect(await app.ctx.db.selectFrom('proxy_policies').select('grant_id').where('grant_id', '=', grant.id).execute()).toEqual([]);
    expect((await callAction(app, 'echo/say', token, { text: 'a' })).status).toBe(200);
    expect((await callAction(app, 'echo/say', token, { text: 'b' })).status).toBe(200);
  });

  it('the Apps page shows the limits of each grant in words and edits them (POST/Redirect/GET): the next call is bound', async () => {
    const client = await publicClient(app, redirectUri, { client_name: 'Limited app' });
    const { params, verifier } = await consentFor(client.client_id, 'echo.say');
    const token = await tokenFrom(
      client.client_id,
      await approve(params, { 'policy_max_field:echo.say': 'text', 'policy_max_length:echo.say': '3' }),
      verifier,
    );
    const grant = await app.ctx.db
      .selectFrom('oauth_grants')
      .select('id')
      .where('client_id', '=', client.client_id)
      .executeTakeFirstOrThrow();
    const apps = await (await fetch(`${app.url}/account/apps`, { headers: { cookie: user.cookie } })).text();
    const row = apps.slice(apps.indexOf(`data-grant="${grant.id}"`));
    expect(row.slice(0, row.indexOf('</tr>'))).toMatch(/data-testid="app-limits"[^>]*>Limits: [^<]*text[^<]*3/);
    const form = await (await fetch(`${app.url}/account/apps/${grant.id}/limits`, { headers: { cookie: user.cookie } })).text();
    expect(form).toContain('data-testid="app-limits-form"');
    expect(form).toMatch(/name="policy_max_length:echo.say"[^>]*value="3"/);
    expect((await callAction(app, 'echo/say', token, { text: 'long' })).status).toBe(403);

    const post = (who: TestUser, fields: Record<string, string>, csrf = who.csrf) =>
      fetch(`${app.url}/account/apps/${grant.id}/limits`, {
        method: 'POST',
        headers: { cookie: who.cookie, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ _csrf: csrf, ...fields }),
        redirect: 'manual',
      });
    // Without the CSRF token: refused, nothing changed.
    expect((await post(user, { 'policy_rate_count:echo.say': '1' }, 'wrong')).status).toBe(403);
    // A limit on an action whose scope the grant does not hold: 400 naming it.
    const stray = await post(user, { 'policy_rate_count:echo.fetch': '1', 'policy_rate_count:echo.say': '7' });
    expect(stray.status).toBe(400);
    const strayPage = await stray.text();
    expect(strayPage).toContain('echo.fetch');
    // The form again (not the error page), as typed
    expect(strayPage).toContain('data-testid="app-limits-form"');
    expect(strayPage).toMatch(/data-testid="flash-error"[^>]*>Nothing was saved: /);
    expect(strayPage).toMatch(/name="policy_rate_count:echo.say"[^>]*value="7"/);
    const saved = await post(user, { 'policy_rate_count:echo.say': '1', 'policy_rate_per:echo.say': 'hour' });
    expect([saved.status, saved.headers.get('location')]).toEqual([303, '/account/apps']);
    const after = await (await fetch(`${app.url}/account/apps`, { headers: { cookie: user.cookie } })).text();
    expect(after).toContain('Limits: echo.say: at most 1 an hour');
    // The length limit was emptied, the rate is new: both from the next call.
    expect((await callAction(app, 'echo/say', token, { text: 'long' })).status).toBe(200);
    expect((await callAction(app, 'echo/say', token, { text: 'again' })).status).toBe(429);

    // Another person cannot see or edit this grant's limits: 404, nothing changed.
    const other = await createTestUser(app);
    expect((await fetch(`${app.url}/account/apps/${grant.id}/limits`, { headers: { cookie: other.cookie } })).status).toBe(404);
    expect((await post(other, { 'policy_rate_count:echo.say': '1000' })).status).toBe(404);
    const stored = await app.ctx.db
      .selectFrom('proxy_policies')
      .select('policy')
      .where('grant_id', '=', grant.id)
      .executeTakeFirstOrThrow();
    expect(JSON.parse(stored.policy)).toEqual({ actions: { 'echo.say': { rate: { count: 1, per: 'hour' } } } });
  });

  it('a grant without a plugin scope has no limits to edit (404)', async () => {
    const client = await publicClient(app, redirectUri);
    const { params } = await consentFor(client.client_id, 'openid');
    expect((await approve(params, {})).status).toBe(302);
    const grant = await app.ctx.db
      .selectFrom('oauth_grants')
      .select('id')
      .where('client_id', '=', client.client_id)
      .executeTakeFirstOrThrow();
    expect((await fetch(`${app.url}/account/apps/${grant.id}/limits`, { headers: { cookie: user.cookie } })).status).toBe(404);
  });

  it('re-consenting shows the stored limits pre-filled, and what is submitted is stored: emptied, they are removed', async () => {
    const client = await publicClient(app, redirectUri);
    const first = await consentFor(client.client_id, 'echo.say');
    expect(first.html).toContain('data-testid="consent-limits-note"');
    expect(first.html).toContain('this page is skipped and these limits stay as they are');
    await tokenFrom(
      client.client_id,
      await approve(first.params, { 'policy_rate_count:echo.say': '7', 'policy_rate_per:echo.say': 'day' }),
      first.verifier,
    );
    const grant = await app.ctx.db
      .selectFrom('oauth_grants')
      .select('id')
      .where('client_id', '=', client.client_id)
      .executeTakeFirstOrThrow();
    const stored = async () =>
      (await app.ctx.db.selectFrom('proxy_policies').select('policy').where('grant_id', '=', grant.id).executeTakeFirst())?.policy;
    expect(JSON.parse((await stored())!)).toEqual({ actions: { 'echo.say': { rate: { count: 7, per: 'day' } } } });
    // Remembered consent: the page is skipped (a code at once) and the limits stay.
    const params = new URLSearchParams(first.params);
    params.set('code_challenge', pkce().challenge);
    const first2 = await fetch(`${app.url}/authorize?${params}`, { redirect: 'manual' });
    const skipped = await fetch(new URL(first2.headers.get('location')!, app.url), {
      headers: { cookie: user.cookie },
      redirect: 'manual',
    });
    expect(skipped.status).toBe(302);
    expect(new URL(skipped.headers.get('location')!).searchParams.get('code')).toBeTruthy();
    expect(JSON.parse((await stored())!)).toEqual({ actions: { 'echo.say': { rate: { count: 7, per: 'day' } } } });
    // Asked again (prompt=consent): the stored limits are in the form, said so.
    const asked = await consentFor(client.client_id, 'echo.say', { prompt: 'consent' });
    expect(asked.html).toMatch(/name="policy_rate_count:echo.say"[^>]*value="7"|value="7"[^>]*name="policy_rate_count:echo.say"/);
    expect(asked.html).toContain('These are the limits you set before');
    // Submitted without limits: none are kept.
    await tokenFrom(client.client_id, await approve(asked.params, { 'policy_rate_per:echo.say': 'day' }), asked.verifier);
    expect(await stored()).toBeUndefined();
    // And set again: replaced.
    const third = await consentFor(client.client_id, 'echo.say', { prompt: 'consent' });
    await tokenFrom(client.client_id, await approve(third.params, { 'policy_ask:echo.say': '1' }), third.verifier);
    expect(JSON.parse((await stored())!)).toEqual({ actions: { 'echo.say': { ask: true } } });
  });

  it('the API-token form offers limits for the actions of the scopes offered, stores them for the scopes chosen, refuses others', async () => {
    const page = await (await fetch(`${app.url}/account/tokens`, { headers: { cookie: user.cookie } })).text();
    expect(page).toContain('name="policy_rate_count:echo.say"');
    expect(page).toContain('name="policy_rate_count:echo.fetch"');
    const create = (fields: Record<string, string>) =>
      fetch(`${app.url}/account/tokens`, {
        method: 'POST',
        headers: { cookie: user.cookie, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ _csrf: user.csrf, name: `t${Math.random()}`, scopes: 'echo.say', expires_in_days: '30', ...fields }),
        redirect: 'manual',
      });
    const before = await app.ctx.db.selectFrom('api_tokens').select('id').execute();
    const refused = await create({ 'policy_rate_count:echo.fetch': '2' });
    expect(refused.status).toBe(400);
    const refusedPage = await refused.text();
    expect(refusedPage).toContain('&quot;echo.fetch&quot; is neither an action nor a plugin scope granted here (echo.say)');
    // The limits as typed are in the form again.
    expect(refusedPage).toMatch(/name="policy_rate_count:echo.fetch"[^>]*value="2"|value="2"[^>]*name="policy_rate_count:echo.fetch"/);
    expect(await app.ctx.db.selectFrom('api_tokens').select('id').execute()).toHaveLength(before.length);
    const made = await create({ 'policy_rate_count:echo.say': '2', 'policy_rate_per:echo.say': 'minute' });
    expect(made.status).toBe(303);
    const ids = new Set(before.map((r) => r.id));
    const row = (await app.ctx.db.selectFrom('api_tokens').select('id').execute()).find((r) => !ids.has(r.id))!;
    const stored = await app.ctx.db.selectFrom('proxy_policies').select('policy').where('grant_id', '=', row.id).executeTakeFirstOrThrow();
    expect(JSON.parse(stored.policy)).toEqual({ actions: { 'echo.say': { rate: { count: 2, per: 'minute' } } } });
  });
});
