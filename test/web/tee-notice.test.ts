import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser } from '../support/browser.js';
import { freePort } from '../support/free-port.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { createTestUser, type TestUser } from '../support/test-user.js';
import { startDstackGuest, type DstackGuest } from '../support/dstack-guest.js';
import { pkce, publicClient } from '../oauth/support/oauth-helpers.js';
import { KEY_PROVIDER } from '../vault/keys-seed.js';

const ATTESTATION = '/.well-known/oauth3-attestation';
/** Set OAUTH3_SCREENSHOTS=<dir> to keep the screenshots (for people to look at). */
const shots = process.env.OAUTH3_SCREENSHOTS;
const widths = [1280, 390] as const;

/** The two pages that show the line: the consent page (of a registered client) and Connections, as paths. */
async function pagePaths(app: TestApp): Promise<{ consent: string; connections: string }> {
  const client = await publicClient(app, 'http://127.0.0.1:9/cb');
  const start = `${app.url}/authorize?${new URLSearchParams({
    response_type: 'code',
    client_id: client.client_id,
    redirect_uri: 'http://127.0.0.1:9/cb',
    state: 'st',
    scope: 'profile',
    code_challenge: pkce().challenge,
    code_challenge_method: 'S256',
  })}`;
  const first = await fetch(start, { redirect: 'manual' });
  expect(first.status).toBe(302);
  const consent = new URL(first.headers.get('location')!, app.url);
  expect(consent.pathname).toBe('/oauth/authorize/page');
  return { consent: consent.pathname + consent.search, connections: '/account/connections' };
}

async function html(app: TestApp, user: TestUser, path: string): Promise<string> {
  const res = await fetch(`${app.url}${path}`, { headers: { cookie: user.cookie, accept: 'text/html' } });
  expect(res.status).toBe(200);
  return res.text();
}

/** The text of the TEE line (tags dropped), or undefined when the page has none. */
const noticeOf = (page: string): string | undefined =>
  /<p [^>]*data-testid="tee-notice"[^>]*>([\s\S]*?)<\/p>/
    .exec(page)?.[1]
    .replace(/<[^>]+>/g, '')
    .replace(/\s+/g, ' ');

/** One gateway with a signed-in person and the paths of both pages. */
interface Setup {
  app: TestApp;
  user: TestUser;
  paths: { consent: string; connections: string };
}

async function setUp(app: TestApp): Promise<Setup> {
  return { app, user: await createTestUser(app), paths: await pagePaths(app) };
}

describe('the TEE line on the consent and Connections pages', () => {
  let guest: DstackGuest;
  let outside: Setup;
  let inTee: Setup;
  let configured: Setup;
  let underPath: TestApp;
  let browser: Browser;
  beforeAll(async () => {
    guest = await startDstackGuest();
    const providers = [KEY_PROVIDER];
    [outside, inTee, configured, browser] = await Promise.all([
      startTestApp('sqlite', { providers, tee: 'auto' }).then(setUp), // no guest agent socket: not in a TEE
      startTestApp('sqlite', { providers, masterKey: undefined, dstackEndpoint: guest.socket }).then(setUp),
      startTestApp('sqlite', { providers, masterKey: randomBytes(32).toString('base64url'), dstackEndpoint: guest.socket }, [], undefined, {
        OAUTH3_TEE_ALLOW_CONFIGURED_MASTER_KEY: 'true',
      }).then(setUp),
      launchBrowser(),
    ]);
    const port = await freePort();
    underPath = await startTestApp('sqlite', {
      port,
      publicUrl: `http://localhost:${port}/auth`,
      masterKey: undefined,
      dstackEndpoint: guest.socket,
    });
  });
  afterAll(async () => {
    await browser?.close();
    await Promise.all([outside?.app, inTee?.app, configured?.app, underPath].map((a) => a?.stop()));
    await guest?.close();
  });

  it('outside a TEE neither page says anything of a TEE or an attestation', async () => {
    for (const [which, path] of Object.entries(outside.paths)) {
      const page = await html(outside.app, outside.user, path);
      expect(page).toContain(which === 'consent' ? 'data-testid="consent"' : 'data-page="connections"'); // the page itself
      expect(page).not.toContain('tee-notice');
      expect(page).not.toMatch(/\bTEE\b|TDX|attest|enclave|confidential/i);
    }
  });

  it('in a TEE whose master key it derived, both pages say so, link the attestation and name the command that checks it', async () => {
    for (const path of Object.values(inTee.paths)) {
      const page = await html(inTee.app, inTee.user, path);
      expect(noticeOf(page)).toBe(
        `Runs in a TEE (Intel TDX): the operator cannot read your connected accounts. Verify it: oauth3 attest ${inTee.app.url} checks its attestation.`,
      );
      const href = /data-testid="tee-attestation"[^>]*href="([^"]+)"|href="([^"]+)"[^>]*data-testid="tee-attestation"/.exec(page)!;
      expect(href[1] ?? href[2]).toBe(ATTESTATION);
      const doc = await (await fetch(new URL(href[1] ?? href[2], `${inTee.app.url}${path}`))).json();
      expect(doc).toMatchObject({ tee: true, statement: { master_key: 'tee' } });
    }
  });

  it('under a public URL with a path, the link and the command stay under it', async () => {
    const user = await createTestUser(underPath);
    const base = underPath.config.publicUrl;
    const res = await fetch(`${base}/account/connections`, { headers: { cookie: user.cookie, accept: 'text/html' } });
    expect(res.status).toBe(200);
    const page = await res.text();
    expect(noticeOf(page)).toContain(`oauth3 attest ${base} checks its attestation`);
    expect(page).toContain(`href="/auth${ATTESTATION}"`);
    const doc = await (await fetch(new URL(`/auth${ATTESTATION}`, base))).json();
    expect(doc).toMatchObject({ tee: true, statement: { issuer: base } });
  });

  it('in a TEE with a master key the operator set, both pages say the operator holds the key, with no word of verification', async () => {
    for (const path of Object.values(configured.paths)) {
      const page = await html(configured.app, configured.user, path);
      const notice = noticeOf(page)!;
      expect(notice).toBe(
        'Runs in a TEE (Intel TDX), but with a master key its operator set: the operator holds the key that seals your connected accounts. The attestation says so.',
      );
      expect(notice).not.toMatch(/verif|cannot read/i);
      expect(page).not.toMatch(/Verify it|verified TEE|oauth3 attest/);
      expect(page).toContain(`href="${ATTESTATION}"`);
    }
  });

  it('at 1280 and 390 px in Chromium, in a TEE and outside, both pages show it (or not) without scrolling sideways', async () => {
    if (shots) mkdirSync(shots, { recursive: true });
    for (const [name, s, expected] of [
      ['outside', outside, 0],
      ['tee', inTee, 1],
      ['configured', configured, 1],
    ] as const) {
      const context = await browser.newContext();
      const [cookieName, cookieValue] = s.user.cookie.split('=');
      await context.addCookies([{ name: cookieName, value: cookieValue, url: s.app.url }]);
      const page = await context.newPage();
      for (const width of widths) {
        await page.setViewportSize({ width, height: 900 });
        for (const [which, path] of Object.entries(s.paths)) {
          await page.goto(`${s.app.url}${path}`);
          await page.waitForSelector(which === 'consent' ? '[data-testid="consent"]' : '[data-page="connections"]');
          expect(await page.getByTestId('tee-notice').count(), `${name} ${which} ${width}`).toBe(expected);
          if (expected) expect(await page.getByTestId('tee-notice').isVisible()).toBe(true);
          const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
          expect(overflow, `${name} ${which} at ${width} px scrolls sideways`).toBeLessThanOrEqual(0);
          if (shots) await page.screenshot({ path: join(shots, `tee-${name}-${which}-${width}.png`), fullPage: true });
        }
      }
      await context.close();
    }
  });
});
