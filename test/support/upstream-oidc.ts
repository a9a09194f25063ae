// A real upstream for the vault's tests: node-oidc-provider on 127.0.0.1 (a random port), with one confidential
// client for the gateway, short access tokens, refresh tokens rotated on every use, RFC 7009 revocation, its own
// development login and consent pages (usable from Chromium, or scripted by `obtainTokens`), and counters of the
// requests the gateway made. Tests also break it on purpose: revoke a grant (the next refresh gets invalid_grant),
// make the token endpoint answer 503 or hang for a while.
import { generateKeyPairSync, randomBytes, createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { rememberSecrets } from './log-secrets.js';

/** Options of `startUpstreamOidc`. */
export interface UpstreamOidcOptions {
  /** Where the gateway's connect flow comes back (e.g. `http://localhost:PORT/auth/callback/upstream`). */
  redirectUris?: string[];
  /** Access token lifetime in seconds (default 60). */
  accessTokenTtl?: number;
  /** Refresh token lifetime in seconds (default 14 days). */
  refreshTokenTtl?: number;
  /** The upstream account's email for a login name (default `<login>@upstream.test`). */
  emailOf?: (login: string) => string;
  /** Open RFC 7591 dynamic client registration at `/reg` (default off): public native clients may register. */
  registration?: boolean;
}

/** How many requests of each kind the upstream received (all of them, including those it failed on purpose). */
export interface UpstreamCounts {
  /** Token endpoint requests by `grant_type` (`authorization_code`, `refresh_token`, or `unknown`). */
  token: Record<string, number>;
  /** RFC 7009 revocation requests. */
  revocation: number;
  /** Userinfo requests. */
  userinfo: number;
}

/** A token response of the upstream, as it sent it. */
export interface UpstreamTokenSet {
  access_token: string;
  token_type: string;
  expires_in: number;
  refresh_token?: string;
  id_token?: string;
  scope?: string;
}

/** A running upstream. */
export interface UpstreamOidc {
  /** `http://127.0.0.1:PORT` (discovery at `/.well-known/openid-configuration`). */
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** The gateway's redirect URIs registered for the client. */
  redirectUris: string[];
  /** The oidc-provider instance (its models: `Grant`, `RefreshToken`, `AccessToken`, …). */
  provider: any;
  readonly counts: UpstreamCounts;
  /** `counts.token[grantType] ?? 0`. */
  tokenRequests(grantType: string): number;
  resetCounts(): void;
  /** Every refresh token the upstream issued and did not revoke, newest last (rotation consumes, not removes, old ones). */
  refreshTokens(): Promise<Array<{ jti: string; accountId: string; grantId: string; consumed: boolean }>>;
  /**
   * Revokes at the upstream every grant of `accountId` (default: every grant) with all its tokens, as a person
   * removing the app at the provider does: the next refresh gets `invalid_grant`. Returns how many grants.
   */
  revokeGrants(accountId?: string): Promise<number>;
  /** The token endpoint answers `status` (default 503, with Retry-After) for `ms`, then works again. */
  failTokenEndpoint(ms: number, o?: { status?: number; retryAfter?: number }): void;
  /** The token endpoint holds each request for `ms` before answering it (to test the gateway's timeout). */
  stallTokenEndpoint(ms: number): void;
  /**
   * The token endpoint handles each request (a refresh rotates the refresh token) and counts it, then holds its
   * answer for `ms`: to cut the client off after the upstream's write, before it has the answer.
   */
  holdTokenAnswers(ms: number): void;
  /** Ends any failure, stall or hold set above. */
  restore(): void;
  /**
   * The provider entry for the gateway's OAUTH3_PROVIDERS, in the snake_case form the parser takes
   * (`{ id: 'upstream', kind: 'oidc', issuer, client_id, client_secret, scopes, authorize_params, account }`), with
   * `refresh_margin` 5 s unless `extra` says otherwise; `extra` fields replace or add to it.
   */
  providerEntry(extra?: Record<string, unknown>): Record<string, unknown>;
  stop(): Promise<void>;
}

/** The upstream's development login accepts any login name and any password; this is the one tests use. */
export const UPSTREAM_LOGIN = 'alice';

/** Per-instance storage for oidc-provider (its bundled one is a shared LRU): every model, and grants → their entries. */
function mapAdapter() {
  const store = new Map<string, Record<string, any>>();
  const grants = new Map<string, Set<string>>();
  return {
    store,
    revokeGrant(grantId: string) {
      for (const k of grants.get(grantId) ?? []) store.delete(k);
      grants.delete(grantId);
      store.delete(`Grant:${grantId}`);
    },
    Adapter: class {
      constructor(private readonly model: string) {}
      private key(id: string) {
        return `${this.model}:${id}`;
      }
      async upsert(id: string, payload: Record<string, any>) {
        store.set(this.key(id), payload);
        if (payload.grantId) {
          const ids = grants.get(payload.grantId) ?? new Set<string>();
          ids.add(this.key(id));
          grants.set(payload.grantId, ids);
        }
      }
      async find(id: string) {
        return store.get(this.key(id));
      }
      async findByUid(uid: string) {
        for (const [k, v] of store) if (k.startsWith(`${this.model}:`) && v.uid === uid) return v;
        return undefined;
      }
      async findByUserCode(code: string) {
        for (const [k, v] of store) if (k.startsWith(`${this.model}:`) && v.userCode === code) return v;
        return undefined;
      }
      async consume(id: string) {
        const v = store.get(this.key(id));
        if (v) v.consumed = Math.floor(Date.now() / 1000);
      }
      async destroy(id: string) {
        store.delete(this.key(id));
      }
      async revokeByGrantId(grantId: string) {
        for (const k of grants.get(grantId) ?? []) if (k.startsWith(`${this.model}:`)) store.delete(k);
      }
    },
  };
}

/** Reads a request body (the upstream answers a failing token request itself, without oidc-provider). */
async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Starts node-oidc-provider on 127.0.0.1 on a free port (see the file comment). Stop it with `stop()`. */
export async function startUpstreamOidc(o: UpstreamOidcOptions = {}): Promise<UpstreamOidc> {
  // @ts-expect-error oidc-provider ships no type declarations
  const { default: Provider } = await import('oidc-provider');
  let handler: (req: IncomingMessage, res: ServerResponse) => void = (_q, s) => s.writeHead(503).end();
  const server: Server = createServer((req, res) => handler(req, res));
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const clientId = 'oauth3-gateway';
  const clientSecret = randomBytes(24).toString('base64url');
  rememberSecrets(clientSecret); // the log scan looks for it in every line of the run
  const redirectUris = o.redirectUris ?? ['http://localhost/auth/callback/upstream'];
  const emailOf = o.emailOf ?? ((login: string) => `${login}@upstream.test`);
  const storage = mapAdapter();
  const jwk = {
    ...generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' }),
    kid: 'up1',
    alg: 'RS256',
    use: 'sig',
  };

  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        token_endpoint_auth_method: 'client_secret_basic',
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        redirect_uris: redirectUris,
        scope: 'openid email offline_access',
      },
    ],
    adapter: storage.Adapter,
    jwks: { keys: [jwk] },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    scopes: ['openid', 'email', 'offline_access'],
    claims: { openid: ['sub'], email: ['email', 'email_verified'] },
    // The gateway names the account from the ID token's email claim: put scope claims in it (OIDC Core allows both).
    conformIdTokenClaims: false,
    findAccount: (_ctx: unknown, id: string) => ({
      accountId: id,
      claims: () => ({ sub: id, email: emailOf(id), email_verified: true }),
    }),
    ttl: {
      AccessToken: o.accessTokenTtl ?? 60,
      RefreshToken: o.refreshTokenTtl ?? 14 * 24 * 3600,
      IdToken: 3600,
      AuthorizationCode: 60,
      Interaction: 600,
      Session: 3600,
      Grant: 14 * 24 * 3600,
    },
    rotateRefreshToken: true,
    pkce: { required: () => false }, // the gateway sends S256 anyway; obtainTokens does too
    features: {
      devInteractions: { enabled: true },
      registration: { enabled: o.registration ?? false },
      revocation: { enabled: true },
      userinfo: { enabled: true },
    },
  });
  provider.on('server_error', () => undefined);

  const counts: UpstreamCounts = { token: {}, revocation: 0, userinfo: 0 };
  const countToken = (grantType: unknown) => {
    const k = typeof grantType === 'string' && grantType ? grantType : 'unknown';
    counts.token[k] = (counts.token[k] ?? 0) + 1;
  };
  let failing: { until: number; status: number; retryAfter: number } | undefined;
  let stalling: { until: number; ms: number } | undefined;
  let holding: number | undefined;

  provider.use(async (ctx: any, next: () => Promise<void>) => {
    const tokenRoute = ctx.method === 'POST' && ctx.path === '/token';
    if (ctx.method === 'POST' && ctx.path === '/token/revocation') counts.revocation++;
    if (ctx.path === '/me') counts.userinfo++;
    if (tokenRoute && stalling && Date.now() < stalling.until) await new Promise((r) => setTimeout(r, stalling!.ms));
    if (tokenRoute && failing && Date.now() < failing.until) {
      countToken(new URLSearchParams(await readBody(ctx.req)).get('grant_type'));
      ctx.status = failing.status;
      ctx.set('Retry-After', String(failing.retryAfter));
      ctx.body = { error: 'temporarily_unavailable', error_description: 'the upstream is down (test)' };
      return;
    }
    await next();
    if (tokenRoute) countToken(ctx.oidc?.body?.grant_type);
    if (tokenRoute && holding) await new Promise((r) => setTimeout(r, holding));
  });
  handler = provider.callback();

  return {
    issuer,
    clientId,
    clientSecret,
    redirectUris,
    provider,
    counts,
    tokenRequests: (g) => counts.token[g] ?? 0,
    resetCounts() {
      counts.token = {};
      counts.revocation = 0;
      counts.userinfo = 0;
    },
    async refreshTokens() {
      return [...storage.store.entries()]
        .filter(([k]) => k.startsWith('RefreshToken:'))
        .map(([, v]) => ({ jti: v.jti, accountId: v.accountId, grantId: v.grantId, consumed: !!v.consumed }))
        .sort((a, b) => Number(a.consumed === b.consumed ? 0 : a.consumed ? -1 : 1));
    },
    async revokeGrants(accountId) {
      const ids = [...storage.store.entries()]
        .filter(([k, v]) => k.startsWith('Grant:') && (accountId === undefined || v.accountId === accountId))
        .map(([k]) => k.slice('Grant:'.length));
      for (const id of ids) storage.revokeGrant(id);
      return ids.length;
    },
    failTokenEndpoint(ms, f = {}) {
      failing = { until: Date.now() + ms, status: f.status ?? 503, retryAfter: f.retryAfter ?? Math.ceil(ms / 1000) };
    },
    stallTokenEndpoint(ms) {
      stalling = { until: Date.now() + 3_600_000, ms };
    },
    holdTokenAnswers(ms) {
      holding = ms;
    },
    restore() {
      failing = undefined;
      stalling = undefined;
      holding = undefined;
    },
    providerEntry(extra = {}) {
      return {
        id: 'upstream',
        name: 'Upstream',
        kind: 'oidc',
        issuer,
        client_id: clientId,
        client_secret: clientSecret,
        scopes: ['openid', 'email', 'offline_access'],
        authorize_params: { prompt: 'consent' },
        account: { claims: ['email'] },
        refresh_margin: 5,
        ...extra,
      };
    },
    stop: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}

/** A minimal cookie jar for scripting the upstream's pages with fetch. */
class CookieJar {
  private readonly cookies = new Map<string, string>();
  take(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      if (/expires=Thu, 01 Jan 1970/i.test(line) || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }
  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}

/**
 * Gets a real first token set from the upstream without a browser: an authorization code request (PKCE S256,
 * `prompt=consent`, `offline_access`), the development login and consent forms submitted with fetch, and the code
 * redeemed with the gateway's client credentials. For tests that need a connection without the connect flow.
 */
export async function obtainTokens(
  upstream: UpstreamOidc,
  o: { login?: string; scopes?: string[]; redirectUri?: string } = {},
): Promise<UpstreamTokenSet> {
  const jar = new CookieJar();
  const redirectUri = o.redirectUri ?? upstream.redirectUris[0]!;
  const verifier = randomBytes(32).toString('base64url');
  const state = randomBytes(8).toString('base64url');
  const authorize = new URL('/auth', upstream.issuer);
  authorize.search = new URLSearchParams({
    client_id: upstream.clientId,
    response_type: 'code',
    redirect_uri: redirectUri,
    scope: (o.scopes ?? ['openid', 'email', 'offline_access']).join(' '),
    prompt: 'consent',
    state,
    nonce: randomBytes(8).toString('base64url'),
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
  }).toString();

  const go = async (url: string, form?: Record<string, string>): Promise<string> => {
    const res = await fetch(new URL(url, upstream.issuer), {
      method: form ? 'POST' : 'GET',
      redirect: 'manual',
      headers: { cookie: jar.header(), ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
      body: form ? new URLSearchParams(form).toString() : undefined,
    });
    jar.take(res);
    const location = res.headers.get('location');
    if (res.status < 300 || res.status >= 400 || !location)
      throw new Error(`upstream ${url} answered ${res.status}: ${(await res.text()).slice(0, 300)}`);
    await res.body?.cancel();
    return new URL(location, upstream.issuer).href;
  };

  // /auth → the login page; its form → /auth/:uid → the consent page; its form → /auth/:uid → the redirect URI
  let next = await go(authorize.href);
  for (let step = 0; step < 6 && !next.startsWith(redirectUri); step++) {
    const path = new URL(next).pathname;
    if (path.startsWith('/interaction/')) {
      const page = await fetch(next, { headers: { cookie: jar.header() } });
      const html = await page.text();
      const prompt = /name="prompt" value="(\w+)"/.exec(html)?.[1];
      if (!prompt) throw new Error(`no login or consent form at ${next}: ${html.slice(0, 300)}`);
      next = await go(next, prompt === 'login' ? { prompt, login: o.login ?? UPSTREAM_LOGIN, password: 'any' } : { prompt });
    } else {
      next = await go(next);
    }
  }
  const back = new URL(next);
  if (back.searchParams.get('state') !== state) throw new Error(`upstream did not come back with a code: ${next}`);
  const code = back.searchParams.get('code');
  if (!code) throw new Error(`upstream answered ${back.searchParams.get('error')}: ${back.searchParams.get('error_description')}`);

  const res = await fetch(new URL('/token', upstream.issuer), {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${encodeURIComponent(upstream.clientId)}:${encodeURIComponent(upstream.clientSecret)}`).toString('base64')}`,
    },
    body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: verifier }).toString(),
  });
  const body = (await res.json()) as UpstreamTokenSet & { error?: string };
  if (!res.ok) throw new Error(`upstream token endpoint answered ${res.status} ${body.error}`);
  rememberSecrets(code, body.access_token, body.refresh_token, body.id_token);
  return body;
}
