import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';

/** A call the stand-in received: the Web API method and its form parameters (never shown in test output). */
export interface SlackCall {
  method: string;
  params: Record<string, string>;
  authorization?: string;
}

/** A local stand-in of Slack's OAuth v2 and Web API (https://api.slack.com/authentication/oauth-v2) on 127.0.0.1. */
export interface SlackApi {
  /** `http://127.0.0.1:<port>`. */
  url: string;
  calls: SlackCall[];
  /** The providers entry of the `slack` preset pointed at the stand-in. */
  providerEntry(extra?: Record<string, unknown>): Record<string, unknown>;
  /** Tokens it issued and still accepts. */
  liveTokens(): string[];
  close(): Promise<void>;
}

const CLIENT_ID = 'slack-client';
const CLIENT_SECRET = 'slack-secret';

async function formOf(req: IncomingMessage): Promise<Record<string, string>> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('utf8')));
}

/**
 * Starts the stand-in. `GET /oauth/v2/authorize` approves at once (redirects back with `code` and `state`);
 * `POST /api/oauth.v2.access` exchanges a code or (token rotation) a refresh token for a bot token
 * (`token_type: "bot"`, `expires_in`, `refresh_token`); `auth.test` names the workspace (`team`); `auth.revoke`
 * revokes. As Slack does, every refusal is HTTP 200 `{ "ok": false, "error": "…" }`.
 */
export async function startSlackApi(): Promise<SlackApi> {
  const calls: SlackCall[] = [];
  const codes = new Map<string, { redirectUri: string; challenge?: string }>();
  const access = new Set<string>();
  const refresh = new Set<string>();
  /** Each token's pair: revoking either revokes the installation's grant (both). */
  const pairOf = new Map<string, string>();
  const issue = () => {
    const accessToken = `xoxe.xoxb-${randomBytes(12).toString('hex')}`;
    const refreshToken = `xoxe-1-${randomBytes(12).toString('hex')}`;
    access.add(accessToken);
    refresh.add(refreshToken);
    pairOf.set(accessToken, refreshToken).set(refreshToken, accessToken);
    return {
      ok: true,
      app_id: 'A0APP',
      access_token: accessToken,
      token_type: 'bot',
      scope: 'channels:read,chat:write',
      bot_user_id: 'U0BOT',
      expires_in: 43200,
      refresh_token: refreshToken,
      team: { id: 'T0ACME', name: 'Acme' },
      enterprise: null,
      is_enterprise_install: false,
    };
  };
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const answer = (body: object) => {
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify(body));
    };
    if (url.pathname === '/oauth/v2/authorize') {
      const code = randomBytes(12).toString('hex');
      const redirectUri = url.searchParams.get('redirect_uri') ?? '';
      codes.set(code, { redirectUri, challenge: url.searchParams.get('code_challenge') ?? undefined });
      const back = new URL(redirectUri);
      back.searchParams.set('code', code);
      back.searchParams.set('state', url.searchParams.get('state') ?? '');
      res.writeHead(302, { location: back.href });
      return res.end();
    }
    const m = /^\/api\/([a-zA-Z.0-9]+)$/.exec(url.pathname);
    if (!m) {
      res.writeHead(404);
      return res.end();
    }
    const params = { ...Object.fromEntries(url.searchParams), ...(await formOf(req)) };
    const authorization = req.headers.authorization;
    calls.push({ method: m[1]!, params, authorization });
    const basic = authorization?.startsWith('Basic ')
      ? Buffer.from(authorization.slice(6), 'base64').toString().split(':').map(decodeURIComponent)
      : undefined;
    const clientId = params.client_id ?? basic?.[0];
    const clientSecret = params.client_secret ?? basic?.[1];
    const bearer = authorization?.startsWith('Bearer ') ? authorization.slice(7) : undefined;
    switch (m[1]) {
      case 'oauth.v2.access': {
        if (clientId !== CLIENT_ID) return answer({ ok: false, error: 'invalid_client_id' });
        if (clientSecret !== CLIENT_SECRET) return answer({ ok: false, error: 'bad_client_secret' });
        if (params.grant_type === 'refresh_token') {
          if (!refresh.delete(params.refresh_token ?? '')) return answer({ ok: false, error: 'invalid_refresh_token' });
          return answer(issue());
        }
        const code = codes.get(params.code ?? '');
        codes.delete(params.code ?? '');
        if (!code) return answer({ ok: false, error: 'invalid_code' });
        if (code.redirectUri !== params.redirect_uri) return answer({ ok: false, error: 'bad_redirect_uri' });
        return answer(issue());
      }
      case 'auth.test':
        if (!bearer || !access.has(bearer)) return answer({ ok: false, error: 'invalid_auth' });
        return answer({ ok: true, url: 'https://acme.slack.com/', team: 'Acme', user: 'oauth3bot', team_id: 'T0ACME', user_id: 'U0BOT' });
      case 'auth.revoke': {
        const token = params.token ?? bearer ?? '';
        if (!access.has(token) && !refresh.has(token)) return answer({ ok: false, error: 'invalid_auth' });
        for (const t of [token, pairOf.get(token) ?? '']) access.delete(t) || refresh.delete(t);
        return answer({ ok: true, revoked: true });
      }
      default:
        return answer({ ok: false, error: 'unknown_method' });
    }
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return {
    url,
    calls,
    providerEntry: (extra = {}) => ({
      preset: 'slack',
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
      authorization_endpoint: `${url}/oauth/v2/authorize`,
      token_endpoint: `${url}/api/oauth.v2.access`,
      revocation_endpoint: `${url}/api/auth.revoke`,
      userinfo_endpoint: `${url}/api/auth.test`,
      ...extra,
    }),
    liveTokens: () => [...access, ...refresh],
    close: () => new Promise<void>((ok) => server.close(() => ok())),
  };
}
