import { createServer } from 'node:http';
import { rememberSecrets } from './log-secrets.js';

/** A request the stand-in received, headers included (tests show the client's token never reaches X). */
export interface XApiRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A canned answer for the next request (an error X would give). */
export interface XApiFailure {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

/** A local stand-in of the X API v2 (https://docs.x.com/x-api) on 127.0.0.1, for tests. */
export interface XApi {
  /** The base URL to configure (OAUTH3_X_API_BASE): `http://127.0.0.1:<port>`. */
  url: string;
  /** Every request, in order (those refused for their bearer too). */
  requests: XApiRequest[];
  /** Accepts `token` as the bearer of the user `username` (id given or made up); returns the user's id. */
  addUser(token: string, username: string, id?: string): string;
  /** Accepts `refreshToken` at `POST /2/oauth2/token` (grant_type=refresh_token) for the user `id`; used once (rotated). */
  addRefreshToken(refreshToken: string, id: string): void;
  /** Stops accepting an access token (X expired or revoked it). */
  revokeToken(token: string): void;
  /** The tweets posted so far, newest last. */
  tweets: Array<{ id: string; text: string; author_id: string; in_reply_to?: string }>;
  /** Answers the next request with this instead. */
  failNext(failure: XApiFailure): void;
  close(): Promise<void>;
}

/**
 * Starts the stand-in. It speaks the documented shapes: `POST /2/tweets` → 201 `{ data: { id, text } }` (a text
 * posted before by the same user → 403 duplicate content, as X answers); `GET /2/users/me` → `{ data: { id, name,
 * username } }`; `GET /2/users/:id/tweets?max_results=` → `{ data: [...], meta: { result_count, newest_id,
 * oldest_id } }` (no `data` when empty; max_results outside 5..100 → 400); errors are `{ title, detail, type, status }`.
 * A bearer it was not told about is 401 Unauthorized. `POST /2/oauth2/token` refreshes (client_secret_basic, rotating
 * the refresh token), as X's OAuth 2.0 token endpoint does.
 */
export async function startXApi(): Promise<XApi> {
  const users = new Map<string, { id: string; username: string }>();
  const requests: XApiRequest[] = [];
  const tweets: XApi['tweets'] = [];
  const failures: XApiFailure[] = [];
  const refreshTokens = new Map<string, { id: string; username: string }>();
  let issued = 0;
  let nextId = 1_800_000_000_000_000_000n;
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    requests.push({ method: req.method ?? 'GET', path: url.pathname + url.search, headers: { ...req.headers }, body });
    const answer = (status: number, doc: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
      res.end(JSON.stringify(doc));
    };
    const problem = (status: number, title: string, detail: string, type: string) =>
      answer(status, { title, detail, type: `https://api.twitter.com/2/problems/${type}`, status });
    const failure = failures.shift();
    if (failure) return answer(failure.status, failure.body, failure.headers);
    if (req.method === 'POST' && url.pathname === '/2/oauth2/token') {
      const form = new URLSearchParams(body);
      const owner = refreshTokens.get(form.get('refresh_token') ?? '');
      if (form.get('grant_type') !== 'refresh_token' || !owner || !req.headers.authorization?.startsWith('Basic '))
        return answer(400, { error: 'invalid_request', error_description: 'Value passed for the token was invalid.' });
      refreshTokens.delete(form.get('refresh_token')!);
      const access = `x-access-${++issued}`;
      const refresh = `x-refresh-${issued}`;
      users.set(access, owner);
      refreshTokens.set(refresh, owner);
      return answer(200, {
        token_type: 'bearer',
        expires_in: 7200,
        access_token: access,
        scope: 'tweet.read tweet.write users.read offline.access',
        refresh_token: refresh,
      });
    }
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const user = bearer ? users.get(bearer) : undefined;
    if (!user) return answer(401, { title: 'Unauthorized', type: 'about:blank', status: 401, detail: 'Unauthorized' });
    if (req.method === 'POST' && url.pathname === '/2/tweets') {
      let input: { text?: unknown; reply?: { in_reply_to_tweet_id?: unknown } };
      try {
        input = JSON.parse(body) as typeof input;
      } catch {
        return problem(400, 'Invalid Request', 'The request body is not JSON.', 'invalid-request');
      }
      if (typeof input.text !== 'string' || !input.text)
        return problem(400, 'Invalid Request', 'One or more parameters to your request was invalid.', 'invalid-request');
      if (tweets.some((t) => t.author_id === user.id && t.text === input.text))
        return problem(403, 'Forbidden', 'You are not allowed to create a Tweet with duplicate content.', 'about:blank');
      const id = String(nextId++);
      const replyTo = input.reply?.in_reply_to_tweet_id;
      tweets.push({ id, text: input.text, author_id: user.id, ...(typeof replyTo === 'string' ? { in_reply_to: replyTo } : {}) });
      return answer(201, { data: { id, text: input.text, edit_history_tweet_ids: [id] } });
    }
    if (req.method === 'GET' && url.pathname === '/2/users/me')
      return answer(200, { data: { id: user.id, name: user.username, username: user.username } });
    const timeline = /^\/2\/users\/([0-9]+)\/tweets$/.exec(url.pathname);
    if (req.method === 'GET' && timeline) {
      const max = Number(url.searchParams.get('max_results') ?? 10);
      if (!Number.isInteger(max) || max < 5 || max > 100)
        return problem(
          400,
          'Invalid Request',
          `The \`max_results\` query parameter value [${max}] is not between 5 and 100`,
          'invalid-request',
        );
      const own = tweets
        .filter((t) => t.author_id === timeline[1])
        .reverse()
        .slice(0, max);
      const data = own.map((t) => ({ id: t.id, text: t.text, edit_history_tweet_ids: [t.id] }));
      const meta = own.length ? { result_count: own.length, newest_id: own[0]!.id, oldest_id: own.at(-1)!.id } : { result_count: 0 };
      return answer(200, own.length ? { data, meta } : { meta });
    }
    return problem(404, 'Not Found Error', `No route ${req.method} ${url.pathname}`, 'resource-not-found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    tweets,
    addUser(token, username, id = String(1_000_000 + users.size)) {
      rememberSecrets(token);
      users.set(token, { id, username });
      return id;
    },
    addRefreshToken(refreshToken, id) {
      rememberSecrets(refreshToken);
      const user = [...users.values()].find((u) => u.id === id);
      if (!user) throw new Error(`no X user ${id}`);
      refreshTokens.set(refreshToken, user);
    },
    revokeToken(token) {
      users.delete(token);
    },
    failNext(f) {
      failures.push(f);
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
