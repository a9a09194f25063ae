import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { newPasskeyPage, signUpWithPasskey, useAppAndBrowser } from '../support/browser.js';
import { codeFor, publicClient } from '../oauth/support/oauth-helpers.js';
import { createTestUser, type TestUser } from '../support/test-user.js';
import { postJson, registerAgent } from '../agents/agent-helpers.js';

/** Set OAUTH3_SCREENSHOTS=<dir> to keep a screenshot of every page at both widths (for people to look at). */
const shots = process.env.OAUTH3_SCREENSHOTS;
const widths = [1280, 390] as const;

/** Console errors, uncaught page errors and CSP violations the page raises (there must be none). */
function watchProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || /Content Security Policy/i.test(m.text())) problems.push(`${page.url()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`${page.url()}: ${e.message}`));
  return problems;
}

describe('every page at 1280 and 390 px in Debian Chromium', () => {
  const env = useAppAndBrowser();

  it('no page scrolls sideways or raises a console or CSP error; reloading after each form post creates nothing', async () => {
    const { app, browser } = env;
    const { page, context } = await newPasskeyPage(browser);
    const problems = watchProblems(page);
    if (shots) mkdirSync(shots, { recursive: true });
    await signUpWithPasskey(page, app.url);
    const rows = (testId: string) => page.getByTestId(testId).count();

    // A token: created, then the page reloaded (a GET after the 303): still one token, its value gone.
    await page.goto(`${app.url}/account/tokens`);
    await page.fill('input[name="name"]', 'A rather long token name for a backup script on the laptop');
    await page.check('input[name="scopes"][value="mcp"]');
    await page.check('input[name="scopes"][value="profile"]');
    await page.getByTestId('create-token-submit').click();
    await page.waitForSelector('[data-testid="shown-token"]');
    expect(await rows('token-row')).toBe(1);
    await page.reload();
    expect(await rows('token-row')).toBe(1);
    expect(await page.getByTestId('shown-token').count()).toBe(0);
    await page.goBack();
    await page.reload();
    expect(await rows('token-row')).toBe(1);

    // An agent registered and delegated to from the page, each followed by a reload.
    await page.goto(`${app.url}/account/agents`);
    await page.fill('input[name="name"]', 'Inbox assistant');
    await page.check('input[name="scopes"][value="mcp"]');
    await page.getByTestId('register-agent-submit').click();
    await page.waitForSelector('[data-testid="shown-client_secret"]');
    await page.reload();
    expect(await rows('agent')).toBe(1);
    expect(await page.getByTestId('shown-client_secret').count()).toBe(0);
    await page.getByTestId('delegate').click();
    await page.check('input[name="scopes"][value="mcp"]');
    await page.getByTestId('delegate-submit').click();
    await page.waitForSelector('[data-testid="shown-delegation_token"]');
    await page.reload();
    expect(await rows('chain-token')).toBe(1);

    // An app the person authorized (through consent), for the Authorized apps page.
    const cookie = (await context.cookies(app.url)).map((c) => `${c.name}=${c.value}`).join('; ');
    const csrf = (await page.locator('meta[name="csrf-token"]').getAttribute('content'))!;
    const client = await publicClient(app, 'http://127.0.0.1:9/cb');
    const consentPath = `/authorize?${new URLSearchParams({
      response_type: 'code',
      client_id: client.client_id,
      redirect_uri: 'http://127.0.0.1:9/cb',
      state: 'st',
      scope: 'profile mcp tokens.manage',
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      code_challenge_method: 'S256',
    })}`;
    await codeFor(app, { cookie, csrf } as TestUser, client.client_id, 'http://127.0.0.1:9/cb', { scope: 'profile' });

    await page.goto(`${app.url}/account/tokens`);
    const tokenId = (await page.getByTestId('token-row').getAttribute('data-token-id'))!;
    await page.goto(`${app.url}/account/agents`);
    const agentId = (await page.getByTestId('agent').getAttribute('data-client-id'))!;
    await page.goto(`${app.url}/account/apps`);
    const grantId = (await page.getByTestId('app-row').getAttribute('data-grant'))!;
    await page.goto(`${app.url}/account/sessions`);
    const sessionId = (await page.getByTestId('session-row').getAttribute('data-session-id'))!;
    // Someone else's agent, made available for delegation by others: its delegate step names who runs it.
    const owner = await createTestUser(app);
    await fetch(`${app.url}/api/v1/me`, {
      method: 'PATCH',
      headers: { ...owner.headers, 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'a-rather-long-username-of-the-person-who-runs-it' }),
    });
    const shared = await registerAgent(app, owner, 'Shared calendar helper', ['mcp']);
    await postJson(app, `/api/v1/me/agents/${encodeURIComponent(shared.client_id)}/availability`, owner.headers, { available: true });
    // The sign-in and sign-up pages an app's authorization request leads to name the app that is waiting.
    const waiting = encodeURIComponent(`/oauth/authorize/page?${consentPath.split('?')[1]}`);
    const signedIn = [
      '/account/overview',
      '/account',
      '/account/passkeys',
      '/account/sessions',
      '/account/events',
      '/account/tokens',
      '/account/agents',
      '/account/apps',
      `/account/tokens/${tokenId}/revoke`,
      `/account/agents/${encodeURIComponent(agentId)}/delegate`,
      `/account/agents/${encodeURIComponent(shared.client_id)}/delegate`,
      `/account/agents/${encodeURIComponent(agentId)}/revoke`,
      `/account/apps/${grantId}/revoke`,
      `/account/sessions/${sessionId}/revoke`,
      '/logout',
      consentPath,
      '/account/No-Such-Page/',
    ];
    const anonymous = await browser.newContext();
    const visitor = await anonymous.newPage();
    const visitorProblems = watchProblems(visitor);
    const signedOut = ['/', '/login', '/signup', `/login?return_to=${waiting}`, `/signup?return_to=${waiting}`, '/no-such-page'];
    for (const width of widths) {
      for (const [p, paths] of [
        [page, signedIn],
        [visitor, signedOut],
      ] as const) {
        await p.setViewportSize({ width, height: 900 });
        for (const path of paths) {
          await p.goto(`${app.url}${path}`);
          const { scroll, inner } = await p.evaluate(() => ({ scroll: document.documentElement.scrollWidth, inner: innerWidth }));
          expect(scroll, `${path} at ${width} px scrolls sideways`).toBeLessThanOrEqual(inner);
          if (shots)
            await p.screenshot({ path: join(shots, `${width}${path.replace(/[^a-z0-9]+/gi, '_').slice(0, 40)}.png`), fullPage: true });
        }
      }
    }
    // Relative local times replace the UTC fallback once the script ran.
    await page.goto(`${app.url}/account/sessions`);
    await expect(page.locator('time').first().textContent()).resolves.not.toMatch(/UTC$/);
    expect(problems.filter((p) => !/the server responded with a status of 404/.test(p))).toEqual([]);
    expect(visitorProblems.filter((p) => !/the server responded with a status of 404/.test(p))).toEqual([]);
    await anonymous.close();
    await context.close();
  });
});
