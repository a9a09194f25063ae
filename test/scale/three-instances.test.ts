// Three gateway processes on one PostgreSQL (issue 19, "Many instances, one PostgreSQL"): A, B and C are `oauth3
// serve` processes with one DATABASE_URL, one master key and one public URL (the issuer), each on its own port, as
// behind a load balancer. An in-process instance on the same database ("setup") makes people, connections, grants
// and policies through the real domain functions, and does nothing else: every request the test checks goes to A, B
// or C. Each capability is shown across processes, sharing no memory.
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setGrantPolicy } from '../../src/proxy/policy/index.js';
import { removeClient } from '../../src/oauth/index.js';
import { REVOCATION_CHANNEL } from '../../src/tokens/revocation-index.js';
import { vaultOf } from '../../src/vault/index.js';
import { codeFor, exchange, postForm, publicClient, refresh, apiStatus } from '../oauth/support/oauth-helpers.js';
import { newApiKey } from '../vault/server-api-helpers.js';
import { startEchoUpstream, type EchoUpstream } from '../support/echo-plugin-upstream.js';
import { echoPlugin } from '../support/echo-plugin.js';
import { launchBrowser } from '../support/browser.js';
import { freePort } from '../support/free-port.js';
import { personWithPasskey } from '../support/passkey-person.js';
import { spawnGateway, type GatewayProcess } from '../support/gateway-process.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { createTestUser, type TestUser } from '../support/test-user.js';
import { issueAccessToken } from '../support/tokens.js';
import { connectUpstream, jwtClaims } from '../support/upstream-connection.js';
import { startUpstreamOidc, type UpstreamOidc } from '../support/upstream-oidc.js';

const REDIRECT = 'http://127.0.0.1/callback';
/** The periodic catch-up of revocations (the fallback when a NOTIFY was missed). */
const POLL_MS = 2000;
/** How often signing and vault data keys are re-read (a rotation reaches running instances within this). */
const KEYS_POLL_MS = 300;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `check` every 25 ms until it is true or `bound` ms have passed; returns how long it took (or Infinity). */
async function within(bound: number, check: () => Promise<boolean>): Promise<number> {
  const start = Date.now();
  for (;;) {
    if (await check()) return Date.now() - start;
    if (Date.now() - start > bound) return Infinity;
    await sleep(25);
  }
}

describe('three gateway processes on one PostgreSQL behave as one', () => {
  let up: UpstreamOidc;
  let echo: EchoUpstream;
  let setup: TestApp;
  let a: GatewayProcess;
  let b: GatewayProcess;
  let c: GatewayProcess;
  let all: GatewayProcess[];
  let browser: Browser;
  let user: TestUser;
  let mcp: { key: string; server: string };
  /** A confidential client_credentials client (registered through A), for issuing and introspecting. */
  let client: { id: string; auth: string };

  beforeAll(async () => {
    [up, echo, browser] = await Promise.all([startUpstreamOidc({ accessTokenTtl: 3 }), startEchoUpstream(), launchBrowser()]);
    const providers = [up.providerEntry({ refresh_margin: 1 })];
    setup = await startTestApp(
      'postgres',
      { providers, proxyAllowRanges: ['127.0.0.0/8'], keysPollMs: KEYS_POLL_MS },
      [echoPlugin],
      undefined,
      {
        OAUTH3_ECHO_UPSTREAM: echo.url,
      },
    );
    const ports = [await freePort(), await freePort(), await freePort()];
    const env = {
      // a person's browser may reach any of them on its own origin (passkeys: one RP ID, localhost, several origins)
      OAUTH3_EXTRA_ORIGINS: ports.map((p) => `http://localhost:${p}`).join(','),
      DATABASE_URL: setup.config.databaseUrl!,
      OAUTH3_MASTER_KEY: setup.config.masterKey!,
      OAUTH3_PUBLIC_URL: setup.config.publicUrl,
      OAUTH3_PROVIDERS: JSON.stringify(providers),
      OAUTH3_PLUGINS: './test/support/echo-plugin.ts',
      OAUTH3_ECHO_UPSTREAM: echo.url,
      OAUTH3_PROXY_ALLOW_RANGES: '127.0.0.0/8',
      OAUTH3_REVOCATION_POLL_MS: String(POLL_MS),
      OAUTH3_KEYS_POLL_MS: String(KEYS_POLL_MS),
      OAUTH3_OAUTH_REFRESH_GRACE: '0', // a reused refresh token is reuse at once (no concurrent-refresh grace)
      OAUTH3_RATE_LIMIT_AUTH: '0',
      OAUTH3_OAUTH_CLIENT_AUTH_FAILURES_PER_ADDRESS: '0',
      OAUTH3_OAUTH_CLIENT_AUTH_FAILURES_PER_CLIENT: '0',
    };
    [a, b, c] = await Promise.all(ports.map((port) => spawnGateway(env, port)));
    all = [a, b, c];
    user = await createTestUser(setup);
    await connectUpstream(setup, user.userId, up, { login: 'three' });
    mcp = await newApiKey(setup, 'Three MCP');
    await vaultOf(setup.ctx).allow(user.userId, 'upstream', mcp.server);
    const reg = await fetch(`${a.url}/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ client_name: 'three', grant_types: ['client_credentials'], token_endpoint_auth_method: 'client_secret_post' }),
    });
    expect(reg.status).toBe(201);
    const { client_id, client_secret } = (await reg.json()) as Record<string, string>;
    client = { id: client_id!, auth: `client_id=${encodeURIComponent(client_id!)}&client_secret=${encodeURIComponent(client_secret!)}` };
  }, 180_000);

  afterAll(async () => {
    await Promise.all((all ?? []).map((g) => g.kill()));
    await browser?.close();
    await setup?.stop();
    await Promise.all([up?.stop(), echo?.close()]);
  }, 30_000);

  /** The helpers of test/oauth take a TestApp for its URL only: one of the processes, as such. */
  const viaUrl = (g: GatewayProcess) => ({ url: g.url }) as TestApp;
  const form = { 'content-type': 'application/x-www-form-urlencoded' };
  const clientToken = async (on: GatewayProcess) => {
    const res = await fetch(`${on.url}/token`, { method: 'POST', headers: form, body: `grant_type=client_credentials&${client.auth}` });
    expect(res.status).toBe(200);
    return ((await res.json()) as { access_token: string }).access_token;
  };
  const active = async (on: GatewayProcess, token: string) => {
    const res = await fetch(`${on.url}/introspect`, { method: 'POST', headers: form, body: `token=${token}&${client.auth}` });
    expect(res.status).toBe(200);
    return ((await res.json()) as { active: boolean }).active;
  };
  const me = (on: GatewayProcess, cookie: string) => fetch(`${on.url}/api/v1/me`, { headers: { cookie } }).then((r) => r.status);

  it('sessions: a session works on every instance; signed out on B, it is refused on A and C within a second', async () => {
    const person = await createTestUser(setup);
    for (const g of all) expect(await me(g, person.cookie), g.url).toBe(200);
    const out = await fetch(`${b.url}/logout`, { method: 'POST', headers: person.headers, redirect: 'manual' });
    expect(out.status).toBe(303);
    expect(await me(b, person.cookie)).toBe(401);
    for (const g of [a, c]) expect(await within(1000, async () => (await me(g, person.cookie)) === 401), g.url).toBeLessThan(1000);
    expect(await me(a, user.cookie)).toBe(200); // another session of the deployment is untouched
  });

  it('grants and tokens: issued on A, accepted on B and C; a code of A redeemed once on B; refreshed on B; reuse on C after the rotation revokes the family everywhere', async () => {
    // a confidential client's token: introspected as active by the others
    const token = await clientToken(a);
    for (const g of [b, c]) expect(await active(g, token), g.url).toBe(true);

    // a person's grant through A (consent, code, PKCE): its token works on the protected routes of B and C
    const app = await publicClient(viaUrl(a), REDIRECT);
    const { code, verifier } = await codeFor(viaUrl(a), user, app.client_id, REDIRECT, { scope: 'profile' });
    const first = await exchange(viaUrl(b), app.client_id, code, verifier, REDIRECT); // the code A issued, redeemed on B
    expect(first.status).toBe(200);
    for (const g of all) expect(await apiStatus(viaUrl(g), first.body.access_token), g.url).toBe(200);

    // refresh on B of the refresh token A issued
    const second = await refresh(viaUrl(b), app.client_id, first.body.refresh_token);
    expect(second.status).toBe(200);
    expect(second.body.refresh_token).not.toBe(first.body.refresh_token);
    for (const g of all) expect(await apiStatus(viaUrl(g), second.body.access_token), g.url).toBe(200);

    // the rotated one presented again, on C: refused, and the whole family is revoked on every instance
    const reuse = await refresh(viaUrl(c), app.client_id, first.body.refresh_token);
    expect([reuse.status, reuse.body.error]).toEqual([400, 'invalid_grant']);
    for (const g of all)
      expect(await within(1000, async () => (await apiStatus(viaUrl(g), second.body.access_token)) === 401), g.url).toBeLessThan(1000);
    const afterReuse = await refresh(viaUrl(a), app.client_id, second.body.refresh_token);
    expect([afterReuse.status, afterReuse.body.error]).toEqual([400, 'invalid_grant']);
    // the code was redeemed once (on B): presented again on C, it is refused
    const replayed = await exchange(viaUrl(c), app.client_id, code, verifier, REDIRECT);
    expect([replayed.status, replayed.body.error]).toEqual([400, 'invalid_grant']);
  });

  it('revocations: revoked on A, refused on B and C within a second', async () => {
    const token = await clientToken(a);
    for (const g of [b, c]) expect(await active(g, token)).toBe(true); // verified there (and cached)
    expect((await fetch(`${a.url}/revoke`, { method: 'POST', headers: form, body: `token=${token}&${client.auth}` })).status).toBe(200);
    const revoked = Date.now();
    for (const g of [b, c]) {
      const took = await within(1000, async () => !(await active(g, token)));
      expect(took, g.url).toBeLessThan(1000);
    }
    expect(Date.now() - revoked).toBeLessThan(1000);
  });

  it('revocations: a missed notification is healed by the periodic catch-up', async () => {
    const token = await clientToken(a);
    for (const g of all) expect(await active(g, token)).toBe(true);
    // a revocation row written with no NOTIFY (as if every instance had missed it): only the poll can find it
    const { jti, exp } = jwtClaims(token) as { jti: string; exp: number };
    await setup.ctx.db
      .insertInto('revoked_tokens')
      .values({ token_id: jti, expires_at: exp * 1000, revoked_at: Date.now() })
      .execute();
    const took = await Promise.all(all.map((g) => within(POLL_MS + 1500, async () => !(await active(g, token)))));
    for (const t of took) expect(t).toBeLessThan(POLL_MS + 1500);
  });

  it('revocations: with every LISTEN connection cut (pg_terminate_backend), a revocation still reaches all; LISTEN comes back', async () => {
    const listeners = sql<{ pid: number }>`select pid from pg_stat_activity where query = ${`LISTEN ${REVOCATION_CHANNEL}`}`;
    expect((await listeners.execute(setup.ctx.db)).rows.length).toBeGreaterThanOrEqual(4); // A, B, C and setup
    const token = await clientToken(a);
    for (const g of all) expect(await active(g, token)).toBe(true);
    const revocations = async (g: GatewayProcess) =>
      ((await (await fetch(`${g.url}/health`)).json()) as { revocations?: string }).revocations;
    expect(await revocations(a)).toBe('notified');
    await sql`select pg_terminate_backend(pid) from pg_stat_activity where query = ${`LISTEN ${REVOCATION_CHANNEL}`}`.execute(setup.ctx.db);
    // /health says so while LISTEN is being re-established (a second later), and again once it is
    expect(await within(1000, async () => (await revocations(a)) === 'polled')).toBeLessThan(1000);
    expect((await fetch(`${a.url}/revoke`, { method: 'POST', headers: form, body: `token=${token}&${client.auth}` })).status).toBe(200);
    // the NOTIFY went to nobody: the catch-up on reconnecting (a second later) or the poll finds it
    for (const g of [b, c]) expect(await within(POLL_MS + 1500, async () => !(await active(g, token))), g.url).toBeLessThan(POLL_MS + 1500);
    expect(await within(5000, async () => (await listeners.execute(setup.ctx.db)).rows.length >= 4)).toBeLessThan(5000);
    expect(await within(5000, async () => (await revocations(a)) === 'notified')).toBeLessThan(5000);
    const next = await clientToken(a);
    for (const g of [b, c]) expect(await active(g, next)).toBe(true);
    expect((await fetch(`${a.url}/revoke`, { method: 'POST', headers: form, body: `token=${next}&${client.auth}` })).status).toBe(200);
    for (const g of [b, c]) expect(await within(1000, async () => !(await active(g, next))), g.url).toBeLessThan(1000);
  });

  it('a client removed on one is refused on all three within its second of remembered authentication', async () => {
    const reg = await fetch(`${c.url}/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        client_name: 'removed',
        grant_types: ['client_credentials'],
        token_endpoint_auth_method: 'client_secret_post',
      }),
    });
    const { client_id, client_secret } = (await reg.json()) as Record<string, string>;
    const auth = `client_id=${encodeURIComponent(client_id!)}&client_secret=${encodeURIComponent(client_secret!)}`;
    const issue = (g: GatewayProcess) =>
      fetch(`${g.url}/token`, { method: 'POST', headers: form, body: `grant_type=client_credentials&${auth}` });
    for (const g of all) expect((await issue(g)).status, g.url).toBe(200); // each has the authentication remembered now
    expect(await removeClient(setup.ctx, client_id!)).toMatchObject({ removed: true });
    for (const g of all) expect(await within(2000, async () => (await issue(g)).status === 401), g.url).toBeLessThan(2000);
  });

  it('signing-key rotation on one: every JWKS lists the new key, and tokens it signs verify on all three', async () => {
    const kids = async (g: GatewayProcess) =>
      ((await (await fetch(`${g.url}/jwks.json`)).json()) as { keys: Array<{ kid: string }> }).keys.map((k) => k.kid);
    const before = await kids(a);
    // what `oauth3 keys rotate` does (test/cli covers the command), done by the setup instance: a fourth process
    // (a CLI run costs 10-20 s of tsx start on this machine)
    const kid = await setup.ctx.keys.rotate('ES256');
    expect(before).not.toContain(kid);
    for (const g of all)
      expect(await within(KEYS_POLL_MS + 2000, async () => (await kids(g)).includes(kid)), g.url).toBeLessThan(KEYS_POLL_MS + 2000);
    await sleep(KEYS_POLL_MS * 2); // every ring has reloaded (the JWKS shows it)
    for (const issuer of all) {
      const token = await clientToken(issuer);
      expect(JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()).kid, issuer.url).toBe(kid);
      for (const g of all) expect(await active(g, token), `${issuer.url} → ${g.url}`).toBe(true);
    }
  }, 90_000);

  it('vault data-key rotation on one: a credential sealed after it, by one instance, opens on all three', async () => {
    const kid = await vaultOf(setup.ctx).ring.rotate(); // what `oauth3 vault rotate` does, on the setup instance
    await sleep(KEYS_POLL_MS + 2000); // every instance has re-read the data keys (a reload every KEYS_POLL_MS)
    const person = await createTestUser(setup);
    const { connectionId } = await connectUpstream(setup, person.userId, up, { login: 'rotation' });
    await vaultOf(setup.ctx).allow(person.userId, 'upstream', mcp.server);
    await setup.ctx.db
      .updateTable('vault_connections')
      .set({ expires_at: Date.now() - 1000 })
      .where('id', '=', connectionId)
      .execute();
    const sealedOn = await vaultToken(b, person.userId); // B refreshes it and seals the new token
    expect(sealedOn.status).toBe(200);
    const row = await setup.ctx.db
      .selectFrom('vault_connections')
      .select('key_id')
      .where('id', '=', connectionId)
      .executeTakeFirstOrThrow();
    expect(row.key_id).toBe(kid);
    for (const g of [a, c]) {
      const served = await vaultToken(g, person.userId); // opened there, not refreshed again
      expect(served.status, g.url).toBe(200);
      expect(served.body.access_token).toBe(sealedOn.body.access_token);
    }
  }, 90_000);

  /** POST /auth/token with the MCP server's API key. */
  async function vaultToken(on: GatewayProcess, userId: string) {
    return postJson(`${on.url}/auth/token`, { user_id: userId, provider: 'upstream' }, { authorization: `Bearer ${mcp.key}` });
  }
  async function postJson(url: string, body: unknown, headers: Record<string, string>) {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as any };
  }

  it('vault refresh is one flight across instances: an expired credential asked for on all three at once is refreshed once', async () => {
    const person = await createTestUser(setup);
    const { connectionId, tokens } = await connectUpstream(setup, person.userId, up, { login: 'single-flight' });
    await vaultOf(setup.ctx).allow(person.userId, 'upstream', mcp.server);
    await setup.ctx.db
      .updateTable('vault_connections')
      .set({ expires_at: Date.now() - 1000 })
      .where('id', '=', connectionId)
      .execute();
    up.resetCounts();
    const served = await Promise.all([...all, ...all, ...all].map((g) => vaultToken(g, person.userId)));
    expect(served.map((s) => s.status)).toEqual(Array(9).fill(200));
    const issued = new Set(served.map((s) => s.body.access_token));
    expect(issued.size).toBe(1);
    expect(issued.has(tokens.access_token)).toBe(false);
    expect(up.tokenRequests('refresh_token')).toBe(1);
  });

  /** A token of the person under a grant with `policy` for echo.say, and the call of echo.say with it on an instance. */
  async function echoCaller(policy: Record<string, unknown>, userId = user.userId) {
    const grant = `three-${randomBytes(6).toString('hex')}`;
    await setGrantPolicy(setup.ctx.db, grant, { actions: { 'echo.say': policy } });
    const { token } = await issueAccessToken(setup.ctx, {
      userId,
      clientId: 'three-instances-client',
      scopes: ['echo.say'],
      audience: [setup.ctx.resources.gatewayUrl],
      ttl: 600,
      lineage: [grant],
    });
    return (on: GatewayProcess, text: string, approvalId?: string) =>
      postJson(
        `${on.url}/proxy/echo/say`,
        { text },
        { authorization: `Bearer ${token}`, ...(approvalId ? { 'approval-id': approvalId } : {}) },
      );
  }

  it('proxy approvals: asked for via A, approved with a passkey on B, then used via A or C exactly once', async () => {
    const person = await createTestUser(setup);
    await connectUpstream(setup, person.userId, up, { login: 'approver' });
    const { context, page } = await personWithPasskey(browser, setup, person); // the passkey added on the public origin
    try {
      const say = await echoCaller({ ask: true }, person.userId);
      const before = echo.requests.length;
      const asked = await say(a, 'approve me');
      expect(asked.status).toBe(202);
      const id = asked.body.approval_id as string;
      expect((await say(c, 'approve me', id)).body.error).toBe('ERR_PROXY_APPROVAL_PENDING');
      // the person approves on B's page: its options (the challenge) and the passkey assertion both go to B
      const onB = `http://localhost:${b.port}`;
      await page.goto(`${onB}/account/approvals`);
      await page.locator(`form[data-approve="${id}"] button`).click();
      await page.waitForURL(/\/account\/approvals\?ok=approved$/);
      const used = await Promise.all([say(a, 'approve me', id), say(c, 'approve me', id)]); // at the same moment
      expect(used.map((u) => u.status).sort()).toEqual([200, 403]);
      expect(used.find((u) => u.status === 403)!.body.error).toBe('ERR_PROXY_APPROVAL_USED');
      expect((await say(b, 'approve me', id)).body.error).toBe('ERR_PROXY_APPROVAL_USED');
      expect(echo.requests.length).toBe(before + 1);
    } finally {
      await context.close();
    }
  }, 90_000);

  it('proxy rate limit: "5 a day" allows 5 calls in all across the three instances, not 5 each', async () => {
    const say = await echoCaller({ rate: { count: 5, per: 'day' } });
    const before = echo.requests.length;
    const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => say(all[i % 3]!, `call ${i}`)));
    const statuses = answers.map((x) => x.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(5);
    expect(statuses.filter((s) => s === 429)).toHaveLength(7);
    expect(echo.requests.length).toBe(before + 5);
    for (const g of all) expect((await say(g, 'one more')).status, g.url).toBe(429);
  });
});
