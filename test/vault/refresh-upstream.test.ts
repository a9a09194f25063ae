// The vault's upstream calls (oauth4webapi) against a real upstream, and how each failure is classified: the grant
// is gone (connect again), or the upstream is unavailable (back off), and when unavailable because it refuses the
// gateway itself, a configuration problem.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { oauthUpstream, retryAfterSeconds } from '../../src/vault/oauth-upstream.js';
import { EndpointResolver, parseProviders, type OAuthProvider } from '../../src/vault/providers/index.js';
import { freePort } from '../support/free-port.js';
import { upstreamRefused } from './upstream-refused.js';
import { obtainTokens, startUpstreamOidc, type UpstreamOidc } from '../support/upstream-oidc.js';

let up: UpstreamOidc;
beforeAll(async () => {
  up = await startUpstreamOidc({ accessTokenTtl: 30 });
});
afterEach(() => up.restore());
afterAll(() => up?.stop());

const providerOf = (extra: Record<string, unknown> = {}) => parseProviders([up.providerEntry(extra)])[0] as OAuthProvider;
/** The upstream as an oauth2 provider with explicit endpoints (no discovery), on `origin`. */
const explicitAt = (origin: string, extra: Record<string, unknown> = {}) =>
  providerOf({
    kind: 'oauth2',
    issuer: undefined,
    account: undefined,
    authorization_endpoint: `${origin}/auth`,
    token_endpoint: `${origin}/token`,
    ...extra,
  });
const upstream = (timeoutMs?: number) => oauthUpstream(new EndpointResolver(), { timeoutMs });

describe('oauthUpstream against node-oidc-provider', () => {
  it('refreshes with the client secret (Basic) and returns the rotated refresh token', async () => {
    const tokens = await obtainTokens(up, { login: 'refresher' });
    up.resetCounts();
    const next = await upstream().refresh(providerOf(), tokens.refresh_token!);
    expect(next.accessToken).not.toBe(tokens.access_token);
    expect(next.refreshToken).toBeDefined();
    expect(next.refreshToken).not.toBe(tokens.refresh_token);
    expect(next.expiresIn).toBe(30);
    expect(next.tokenType.toLowerCase()).toBe('bearer');
    expect(next.scope).toContain('offline_access');
    expect(up.tokenRequests('refresh_token')).toBe(1);
  });

  it('a refresh token the upstream does not know is invalid_grant: connect again', async () => {
    const e = await upstreamRefused(upstream().refresh(providerOf(), 'not-a-refresh-token'));
    expect([e.reason, e.cause, e.configuration]).toEqual(['invalid_grant', 'invalid_grant (HTTP 400)', false]);
  });

  it('a wrong client secret is invalid_client: unavailable and a configuration problem, never "connect again"', async () => {
    const tokens = await obtainTokens(up, { login: 'wrong-secret' });
    const e = await upstreamRefused(upstream().refresh(providerOf({ client_secret: 'wrong' }), tokens.refresh_token!));
    expect([e.reason, e.cause, e.configuration]).toEqual(['unavailable', 'invalid_client (HTTP 401)', true]);
    expect(e.message).not.toContain(tokens.refresh_token!);
    // the person's grant is untouched: the right secret still refreshes it
    await expect(upstream().refresh(providerOf(), tokens.refresh_token!)).resolves.toHaveProperty('accessToken');
  });

  it('another 4xx (an OAuth error the vault does not expect) is a configuration problem too', async () => {
    up.failTokenEndpoint(10_000, { status: 400 });
    const e = await upstreamRefused(upstream().refresh(providerOf(), 'whatever'));
    expect([e.reason, e.cause, e.configuration]).toEqual(['unavailable', 'temporarily_unavailable (HTTP 400)', true]);
  });

  it("a 503 is unavailable (not configuration), with the upstream's Retry-After", async () => {
    up.failTokenEndpoint(10_000, { retryAfter: 120 });
    const e = await upstreamRefused(upstream().refresh(providerOf(), 'whatever'));
    expect([e.reason, e.cause, e.configuration, e.retryAfter]).toEqual(['unavailable', 'HTTP 503', false, 120]);
    const at = (v: string) => retryAfterSeconds(new Response(null, { headers: { 'retry-after': v } }), Date.parse('2026-01-01T00:00:00Z'));
    expect([at('7'), at('86400'), at('Thu, 01 Jan 2026 00:00:30 GMT'), at('soon'), at('0')]).toEqual([7, 600, 30, undefined, undefined]);
  });

  it('an upstream that does not answer in time is unavailable (timeout), and the call gives up at the deadline', async () => {
    const tokens = await obtainTokens(up, { login: 'slow' });
    up.stallTokenEndpoint(3_000);
    const started = Date.now();
    const e = await upstreamRefused(upstream(300).refresh(providerOf(), tokens.refresh_token!));
    expect([e.reason, e.cause]).toEqual(['unavailable', 'timeout']);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('nothing listening is unavailable: a network error at the token endpoint, a failed discovery at the issuer', async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    const e = await upstreamRefused(upstream().refresh(explicitAt(closed), 'whatever'));
    expect([e.reason, e.cause]).toEqual(['unavailable', 'network error']);
    const discovered = await upstreamRefused(upstream().refresh(providerOf({ issuer: closed }), 'whatever'));
    expect([discovered.reason, discovered.cause]).toEqual(['unavailable', 'discovery failed']);
  });

  it('a provider whose method needs a secret it lacks is a configuration problem', async () => {
    const e = await upstreamRefused(upstream().refresh({ ...providerOf(), clientSecret: undefined }, 'whatever'));
    expect([e.reason, e.cause, e.configuration]).toEqual(['unavailable', 'no client secret', true]);
  });

  it('revokes a refresh token upstream (RFC 7009): the grant is gone, the next refresh is invalid_grant', async () => {
    const tokens = await obtainTokens(up, { login: 'leaver' });
    up.resetCounts();
    expect(await upstream().revoke(providerOf(), tokens.refresh_token!, 'refresh_token')).toBe(true);
    expect(up.counts.revocation).toBe(1);
    const e = await upstreamRefused(upstream().refresh(providerOf(), tokens.refresh_token!));
    expect(e.reason).toBe('invalid_grant');
  });

  it('revocation failures are classified like refreshes; no revocation endpoint resolves false', async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    expect(await upstream().revoke(explicitAt(closed), 'whatever', 'refresh_token')).toBe(false);
    const e = await upstreamRefused(
      upstream().revoke(explicitAt(closed, { revocation_endpoint: `${closed}/revoke` }), 'whatever', 'refresh_token'),
    );
    expect([e.reason, e.cause]).toEqual(['unavailable', 'network error']);
  });
});
