import { cookieName, createSession, csrfTokenFor, SESSION_COOKIE } from '../../src/accounts/index.js';
import type { TestDialect } from '../support/databases.js';
import { freePort } from '../support/free-port.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import type { TestUser } from '../support/test-user.js';
import { startUpstreamOidc, UPSTREAM_LOGIN, type UpstreamOidc } from '../support/upstream-oidc.js';

/** A gateway whose provider `upstream` is a real node-oidc-provider on loopback (its redirect URI registered there). */
export interface ConnectRig {
  app: TestApp;
  upstream: UpstreamOidc;
  stop(): Promise<void>;
}

/**
 * Starts the upstream, then the gateway on the port its redirect URI names, with `providers` after the upstream's;
 * `path`: the gateway's public URL has this path (`/gw`); `sameUpstream`: more providers of the same upstream (each
 * `upstream.providerEntry(extra)` with its own id, its redirect URI registered there too); `logger`: the gateway's.
 */
export async function startConnectRig(
  dialect: TestDialect,
  providers: unknown[] = [],
  path = '',
  sameUpstream: Array<Record<string, unknown> & { id: string }> = [],
  logger?: Parameters<typeof startTestApp>[3],
): Promise<ConnectRig> {
  const port = await freePort();
  const publicUrl = `http://localhost:${port}${path}`;
  const ids = ['upstream', ...sameUpstream.map((e) => e.id)];
  const upstream = await startUpstreamOidc({ redirectUris: ids.map((id) => `${publicUrl}/auth/callback/${id}`) });
  const entries = [upstream.providerEntry(), ...sameUpstream.map((e) => upstream.providerEntry(e))];
  const app = await startTestApp(dialect, { port, publicUrl, providers: [...entries, ...providers] }, [], logger);
  return {
    app,
    upstream,
    stop: async () => {
      await app.stop();
      await upstream.stop();
    },
  };
}

/** A page as fetched by a signed-in person (or nobody): status, Location, HTML. */
export interface Fetched {
  status: number;
  location: string | null;
  html: string;
  cookies: string[];
}

/** GET (or a form POST with the person's CSRF token) as a browser of `user` asking for HTML, not following redirects. */
export async function browse(
  app: Pick<TestApp, 'url'>,
  user: Pick<TestUser, 'cookie' | 'csrf'> | undefined,
  path: string,
  form?: Record<string, string>,
  extraCookies: string[] = [],
): Promise<Fetched> {
  const cookie = [user?.cookie, ...extraCookies].filter(Boolean).join('; ');
  const res = await fetch(new URL(path, app.url), {
    method: form ? 'POST' : 'GET',
    redirect: 'manual',
    headers: {
      accept: 'text/html',
      ...(cookie ? { cookie } : {}),
      ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
    },
    body: form ? new URLSearchParams({ _csrf: user?.csrf ?? '', ...form }) : undefined,
  });
  return {
    status: res.status,
    location: res.headers.get('location'),
    html: await res.text(),
    cookies: res.headers.getSetCookie().map((c) => c.split(';')[0]!),
  };
}

/**
 * Goes through the upstream's own login and consent pages with fetch (a cookie jar of its own), from the
 * authorization URL the gateway redirected to, until the upstream sends the browser back to the gateway; returns
 * that callback URL. `abort`: cancel at the upstream instead (its answer is `error=access_denied`).
 */
export async function consentUpstream(
  upstream: UpstreamOidc,
  authorizeUrl: string,
  o: { abort?: boolean; login?: string } = {},
): Promise<string> {
  const jar = new Map<string, string>();
  const cookie = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
  const go = async (url: string, form?: Record<string, string>) => {
    const res = await fetch(url, {
      method: form ? 'POST' : 'GET',
      redirect: 'manual',
      headers: { cookie: cookie(), ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
      body: form ? new URLSearchParams(form) : undefined,
    });
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair!.indexOf('=');
      jar.set(pair!.slice(0, eq), pair!.slice(eq + 1));
    }
    return res;
  };
  let url = authorizeUrl;
  for (let step = 0; step < 10; step++) {
    if (!url.startsWith(upstream.issuer)) return url;
    const res = await go(url);
    const location = res.headers.get('location');
    if (location) {
      await res.body?.cancel();
      url = new URL(location, url).href;
      continue;
    }
    const html = await res.text();
    const prompt = /name="prompt" value="(\w+)"/.exec(html)?.[1];
    if (!prompt) throw new Error(`no login or consent form at ${url} (${res.status}): ${html.slice(0, 300)}`);
    if (o.abort) {
      url = new URL(`${new URL(url).pathname}/abort`, upstream.issuer).href;
      continue;
    }
    const posted = await go(url, prompt === 'login' ? { prompt, login: o.login ?? UPSTREAM_LOGIN, password: 'any' } : { prompt });
    await posted.body?.cancel();
    url = new URL(posted.headers.get('location')!, url).href;
  }
  throw new Error(`the upstream did not send the browser back (last at ${url})`);
}

/** Another signed-in browser session of the same person (a second device). */
export async function anotherSession(app: Pick<TestApp, 'ctx'>, userId: string): Promise<Pick<TestUser, 'cookie' | 'csrf' | 'sessionId'>> {
  const { ctx } = app;
  const session = await ctx.db
    .transaction()
    .execute((trx) => createSession(ctx, trx, { userId, meta: { ip: '127.0.0.1', userAgent: 'second device' }, via: 'test' }));
  return {
    sessionId: session.sessionId,
    cookie: `${cookieName(ctx.config, SESSION_COOKIE)}=${session.token}`,
    csrf: csrfTokenFor(ctx.masterKey, `session:${session.sessionId}`),
  };
}

/** The audit events of `action` in a person's access log (after the batch writer flushed). */
export async function eventsOf(
  app: Pick<TestApp, 'ctx'>,
  userId: string,
  action: string,
): Promise<Array<{ actor_id: string | null; detail: any }>> {
  await app.ctx.audit.flush();
  const rows = await app.ctx.db
    .selectFrom('audit_events')
    .select(['actor_id', 'detail'])
    .where('user_id', '=', userId)
    .where('action', '=', action)
    .orderBy('id')
    .execute();
  return rows.map((r) => ({ actor_id: r.actor_id, detail: JSON.parse(r.detail) }));
}

/** The text of a page's main part, tags removed (what a person reads). */
export const pageText = (html: string) =>
  html
    .slice(html.indexOf('<main'))
    .replace(/<[^>]+>/g, ' ')
    .replace(/\s+/g, ' ');
