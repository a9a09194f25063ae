import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser } from '../support/browser.js';
import { personWithPasskey as personWithPasskeyIn } from '../support/passkey-person.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { createTestUser, type TestUser } from '../support/test-user.js';
import { startUpstreamOidc, type UpstreamOidc } from '../support/upstream-oidc.js';
import { connectUpstream } from '../support/upstream-connection.js';
import { startEchoUpstream, type EchoUpstream } from '../support/echo-plugin-upstream.js';
import { echoPlugin } from '../support/echo-plugin.js';
import { delegate, registerAgent } from '../agents/agent-helpers.js';

/** An assertion over `challenge` by the page's authenticator (any of its passkeys), as JSON for the gateway. */
const assertOver = (page: Page, challenge: string) =>
  page.evaluate(async (ch) => {
    const b64u = (buf: ArrayBuffer) =>
      btoa(String.fromCharCode(...new Uint8Array(buf)))
        .replace(/\+/g, '-')
        .replace(/\//g, '_')
        .replace(/=+$/, '');
    const bytes = (s: string) =>
      Uint8Array.from(atob(s.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (s.length % 4)) % 4)), (c) => c.charCodeAt(0));
    const cred = (await navigator.credentials.get({
      publicKey: { challenge: bytes(ch), rpId: location.hostname, userVerification: 'required' },
    })) as PublicKeyCredential;
    const r = cred.response as AuthenticatorAssertionResponse;
    return {
      id: cred.id,
      rawId: b64u(cred.rawId),
      type: cred.type,
      clientExtensionResults: {},
      response: {
        clientDataJSON: b64u(r.clientDataJSON),
        authenticatorData: b64u(r.authenticatorData),
        signature: b64u(r.signature),
        ...(r.userHandle ? { userHandle: b64u(r.userHandle) } : {}),
      },
    };
  }, challenge);

/** POSTs JSON from the page with its CSRF token (as the page's script does). */
const postFrom = (page: Page, path: string, body: unknown) =>
  page.evaluate(
    async ([p, b]) => {
      const csrf = document.querySelector<HTMLMetaElement>('meta[name="csrf-token"]')!.content;
      const res = await fetch(p as string, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-csrf-token': csrf },
        body: JSON.stringify(b),
      });
      return { status: res.status, body: await res.json() };
    },
    [path, body] as const,
  );

describe('passkey approval of one action in Chromium', () => {
  let upstream: UpstreamOidc;
  let echo: EchoUpstream;
  let app: TestApp;
  let browser: Browser;

  beforeAll(async () => {
    [upstream, echo, browser] = await Promise.all([startUpstreamOidc(), startEchoUpstream(), launchBrowser()]);
    app = await startTestApp(
      'sqlite',
      { providers: [upstream.providerEntry()], proxyAllowRanges: ['127.0.0.0/8'] },
      [echoPlugin],
      undefined,
      {
        OAUTH3_ECHO_UPSTREAM: echo.url,
      },
    );
  });
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
    await Promise.all([upstream?.stop(), echo?.close()]);
  });

  const personWithPasskey = (user: TestUser, width = 1280) => personWithPasskeyIn(browser, app, user, width);

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
    return { status: res.status, body: (await res.json()) as any };
  }
  const challengeOf = async (id: string) =>
    (await app.ctx.db.selectFrom('proxy_approvals').select('challenge').where('id', '=', id).executeTakeFirstOrThrow()).challenge;

  it('202, then the person approves with a passkey on /account/approvals, and the repeat runs exactly once; deny gives 403', async () => {
    const ada = await createTestUser(app);
    const bea = await createTestUser(app);
    await connectUpstream(app, ada.userId, upstream);
    const adaBrowser = await personWithPasskey(ada);
    const beaBrowser = await personWithPasskey(bea);
    const agent = await registerAgent(app, ada, 'Mail helper', ['echo.say']);
    const d = await delegate(app, ada, agent.client_id, ['echo.say'], { policy: { actions: { 'echo.say': { ask: true } } } });
    const token = d.delegation_token;

    const before = echo.requests.length;
    const first = await call(token, { text: 'Meet at 10, room 4' });
    expect(first.status).toBe(202);
    const second = await call(token, { text: 'Cancel everything' });
    expect(second.status).toBe(202);
    expect(echo.requests.length).toBe(before);
    const [id1, id2] = [first.body.approval_id as string, second.body.approval_id as string];

    // The page: the agent's name, the action, the exact arguments, at 1280 and 390 px without overflow.
    for (const width of [1280, 390]) {
      const context = await browser.newContext({ viewport: { width, height: 900 } });
      const [name, value] = ada.cookie.split('=');
      await context.addCookies([{ name: name!, value: value!, url: app.url }]);
      const page = await context.newPage();
      await page.goto(`${app.url}/account/approvals`);
      const card = page.locator(`[data-approval-id="${id1}"]`);
      expect(await card.getByTestId('approval-chain').innerText()).toContain('Mail helper');
      expect(await card.innerText()).toContain('Say something');
      expect(await card.getByTestId('approval-arguments').innerText()).toContain('"text": "Meet at 10, room 4"');
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
      await page.screenshot({ path: `/tmp/approvals-page-${width}.png`, fullPage: true });
      await context.close();
    }
    const page = adaBrowser.page;
    await page.goto(`${app.url}/account/approvals`);

    // An assertion made for another approval's challenge does not approve this one.
    const forOther = await assertOver(page, await challengeOf(id2));
    expect(await postFrom(page, `/api/v1/me/approvals/${id1}/approve`, { response: forOther })).toMatchObject({
      status: 403,
      body: { error: 'ERR_PROXY_APPROVAL_PASSKEY' },
    });
    // Another person's passkey, over this very challenge, does not either.
    await beaBrowser.page.goto(`${app.url}/account/passkeys`);
    const beas = await assertOver(beaBrowser.page, await challengeOf(id1));
    expect(await postFrom(page, `/api/v1/me/approvals/${id1}/approve`, { response: beas })).toMatchObject({
      status: 403,
      body: { error: 'ERR_PROXY_APPROVAL_PASSKEY' },
    });
    // And Bea does not see Ada's approval at all.
    expect((await postFrom(beaBrowser.page, `/api/v1/me/approvals/${id1}/options`, {})).status).toBe(404);
    expect((await call(token, { text: 'Meet at 10, room 4' }, id1)).body.error).toBe('ERR_PROXY_APPROVAL_PENDING');

    // Approve with the page's button (the passkey), Post/Redirect/Get.
    await page.locator(`form[data-approve="${id1}"] button`).click();
    await page.waitForURL(`${app.url}/account/approvals?ok=approved`);
    expect(await page.locator(`[data-approval-id="${id1}"]`).count()).toBe(0);
    const ran = await call(token, { text: 'Meet at 10, room 4' }, id1);
    expect(ran.status).toBe(200);
    expect(echo.requests.length).toBe(before + 1);
    expect(await call(token, { text: 'Meet at 10, room 4' }, id1)).toMatchObject({
      status: 403,
      body: { error: 'ERR_PROXY_APPROVAL_USED' },
    });

    // Deny the other: the call with it is refused (403), nothing ran.
    await page.locator(`[data-approval-id="${id2}"] [data-testid="deny"]`).click();
    await page.waitForURL(`${app.url}/account/approvals?ok=denied`);
    expect(await call(token, { text: 'Cancel everything' }, id2)).toMatchObject({
      status: 403,
      body: { error: 'ERR_PROXY_APPROVAL_DENIED' },
    });
    expect(echo.requests.length).toBe(before + 1);

    await app.ctx.audit.flush();
    const events = await app.ctx.db.selectFrom('audit_events').select('action').where('user_id', '=', ada.userId).execute();
    const names = events.map((e) => e.action);
    expect(names).toEqual(expect.arrayContaining(['proxy.approval_approved', 'proxy.approval_denied', 'proxy.approval_used']));
    await Promise.all([adaBrowser.context.close(), beaBrowser.context.close()]);
  });
});
