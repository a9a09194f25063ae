import { generateKeyPairSync, sign } from 'node:crypto';
import type { ListedRoute } from '../support/route-list.js';
import { FIELDS, oddBody, pct, oddObject, oddQuery, oddValue } from './fuzz-bodies.js';
import type { FuzzRandom } from './fuzz-random.js';
import { nearValidBody } from './fuzz-templates.js';
import { rawBytes, type FuzzRequest } from './fuzz-send.js';

/** Valid credentials of the fuzzed gateway, so that some requests get past authentication into the handlers. */
export interface FuzzCredentials {
  /** `oauth3_session=<jwt>` and its CSRF token. */
  cookie: string;
  csrf: string;
  /** A personal API token (`o3p_`) with the echo plugin's scopes. */
  apiToken: string;
  /** An access token (JWT) for the gateway's /mcp. */
  mcpToken: string;
  /** A vault API key (`o3k_`). */
  vaultKey: string;
  /** A confidential client (client_credentials). */
  client: { id: string; secret: string };
  /** Ids that exist (the person, their session, tokens…), for path parameters. */
  ids: string[];
  userId: string;
  /** The echo plugin's upstream. */
  echoUrl: string;
}

/** Routes that would end the fuzzer's own session, tokens or connection: never sent with valid credentials. */
const SELF_ENDING = new Set([
  'POST /logout',
  'POST /api/v1/me/sessions/revoke-others',
  'POST /account/sessions/revoke-others',
  'DELETE /api/v1/me/tokens',
  'POST /account/tokens/revoke-all',
  'POST /account/connections/:provider/disconnect',
]);

/** Whether headers carry one of the fuzzer's valid credentials whole (a route of SELF_ENDING would end it). */
function holdsCredential(headers: Record<string, string | string[]>, c: FuzzCredentials): boolean {
  const text = JSON.stringify(headers);
  const basic = Buffer.from(`${c.client.id}:${c.client.secret}`).toString('base64');
  return [c.cookie.split('=')[1]!, c.apiToken, c.mcpToken, c.vaultKey, basic].some((v) => text.includes(v));
}

/** The valid credential a route takes (so that a malformed request gets past authentication into the handler). */
function rightCredential(route: ListedRoute, r: FuzzRandom, c: FuzzCredentials): { kind: string; headers: Record<string, string> } {
  const u = route.url;
  if (u.startsWith('/proxy/')) return { kind: 'API token', headers: { authorization: `Bearer ${c.apiToken}` } };
  if (u === '/mcp') return { kind: 'MCP access token', headers: { authorization: `Bearer ${r.chance(0.8) ? c.mcpToken : c.apiToken}` } };
  if (u.startsWith('/auth/'))
    return r.chance(0.5)
      ? { kind: 'vault key', headers: { authorization: `Bearer ${c.vaultKey}` } }
      : { kind: 'vault key as X-API-Key', headers: { 'x-api-key': c.vaultKey } };
  if (['/token', '/introspect', '/revoke', '/register'].includes(u))
    return {
      kind: 'client Basic',
      headers: { authorization: `Basic ${Buffer.from(`${c.client.id}:${c.client.secret}`).toString('base64')}` },
    };
  if (u === '/userinfo' || u === '/delegate' || u === '/validate_delegation')
    return { kind: 'API token', headers: { authorization: `Bearer ${c.apiToken}` } };
  return { kind: 'session + CSRF', headers: { cookie: c.cookie, 'x-csrf-token': c.csrf } };
}

/** A near-valid body as the route reads it (JSON or a form; now and then the other). */
function encodeNearValid(
  v: { form: boolean; body: Record<string, unknown> },
  r: FuzzRandom,
): { headers: Record<string, string>; body: Buffer } {
  const form = r.chance(0.1) ? !v.form : v.form;
  if (!form) return { headers: { 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify(v.body)) };
  const parts = Object.entries(v.body).flatMap(([k, x]) =>
    (Array.isArray(x) ? x : [x]).map(
      (one) => `${pct(k)}=${pct(typeof one === 'object' && one !== null ? JSON.stringify(one) : String(one))}`,
    ),
  );
  return { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: Buffer.from(parts.join('&')) };
}

const b64 = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
const otherKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;

/** A JWT signed by nobody the gateway knows, with an alg and kid of `header`. */
function foreignJwt(header: Record<string, unknown>, claims: Record<string, unknown>): string {
  const input = `${b64(header)}.${b64(claims)}`;
  return `${input}.${sign('sha256', Buffer.from(input), { key: otherKey, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`;
}

/** The Authorization / Cookie / CSRF headers of one request: valid, missing or broken in one of many ways. */
function authHeaders(r: FuzzRandom, c: FuzzCredentials): { kind: string; headers: Record<string, string | string[]> } {
  const claims = {
    iss: 'http://localhost',
    sub: c.userId,
    aud: 'http://localhost/mcp',
    exp: 4e9,
    iat: 1,
    scope: 'echo.say',
    client_id: 'x',
    jti: 'j',
  };
  const [h, p, s] = c.mcpToken.split('.');
  const bearer = (kind: string, t: string) => ({ kind, headers: { authorization: `Bearer ${t}` } });
  switch (r.int(22)) {
    case 0:
    case 1:
      return { kind: 'no credentials', headers: {} };
    case 2:
    case 3:
      return { kind: 'session + CSRF', headers: { cookie: c.cookie, 'x-csrf-token': c.csrf } };
    case 4:
      return {
        kind: 'session, wrong CSRF',
        headers: { cookie: c.cookie, 'x-csrf-token': r.pick(['', 'x', c.csrf.slice(0, -2), c.csrf + 'A']) },
      };
    case 5:
      return bearer('API token', c.apiToken);
    case 6:
      return bearer('MCP access token', c.mcpToken);
    case 7:
      return r.chance(0.5) ? bearer('vault key', c.vaultKey) : { kind: 'vault key as X-API-Key', headers: { 'x-api-key': c.vaultKey } };
    case 8:
      return {
        kind: 'client Basic',
        headers: { authorization: `Basic ${Buffer.from(`${c.client.id}:${c.client.secret}`).toString('base64')}` },
      };
    case 9:
      return bearer('truncated JWT', c.mcpToken.slice(0, r.int(c.mcpToken.length)));
    case 10:
      return bearer('alg none', `${b64({ alg: 'none', typ: 'at+jwt' })}.${p}.`);
    case 11:
      return bearer(
        'wrong kid',
        foreignJwt(
          { alg: 'ES256', typ: 'at+jwt', kid: r.pick(['nope', '', '../../x', JSON.parse(Buffer.from(h!, 'base64url').toString()).kid]) },
          claims,
        ),
      );
    case 12:
      return bearer('huge bearer', `eyJ${r.string(8000 + r.int(8000))}`);
    case 13:
      return bearer(
        'odd JWT',
        r.pick([
          `${h}.${p}`,
          `${h}..${s}`,
          `${h}.${p}.${s}.x`,
          `${b64('{')}.${p}.${s}`,
          `${h}.${b64('[]')}.${s}`,
          `${b64({ alg: 'HS256', kid: 'x' })}.${p}.${s}`,
          'eyJ.eyJ.',
          '...',
        ]),
      );
    case 14:
      return bearer(
        'odd opaque',
        r.pick([
          c.apiToken.slice(0, -1),
          `${c.apiToken}x`,
          'o3p_',
          'o3k_',
          `o3k_${r.string(43)}`,
          `o3p_${r.string(60)}`,
          c.vaultKey.toUpperCase(),
        ]),
      );
    case 15:
      return {
        kind: 'odd scheme',
        headers: {
          authorization: r.pick([
            'Bearer',
            'Bearer ',
            'bearer  x',
            'Basic !!!',
            `Basic ${b64('nocolon')}`,
            `Basic ${b64(':')}`,
            'Digest x',
            'Bearer a b',
            `Bearer ${c.apiToken}, Bearer ${c.apiToken}`,
          ]),
        },
      };
    case 16:
      return { kind: 'two Authorization headers', headers: { authorization: [`Bearer ${c.apiToken}`, `Bearer ${c.mcpToken}`] } };
    case 17: {
      const jwt = c.cookie.split('=')[1]!;
      return {
        kind: 'odd session cookie',
        headers: {
          cookie: r.pick([
            'oauth3_session=',
            `oauth3_session=${jwt.slice(0, -3)}`,
            `oauth3_session=${jwt}; oauth3_session=x`,
            'oauth3_session=%zz',
            `oauth3_session=${'a'.repeat(6000)}`,
            '=;;;=',
            'oauth3_session',
            `oauth3_session="${jwt}"`,
            `oauth3_flash=${r.string(30)}; oauth3_anon=${r.string(30)}`,
            `oauth3_invite=%E0%A4%A; oauth3_flash=%`,
          ]),
          'x-csrf-token': c.csrf,
        },
      };
    }
    case 18:
      return { kind: 'session JWT as bearer', headers: { authorization: `Bearer ${c.cookie.split('=')[1]}` } };
    case 19:
      return { kind: 'NUL in bearer', headers: { authorization: `Bearer ${c.apiToken.slice(0, 8)}\u0000x` } };
    case 20:
      return { kind: 'non-ASCII bearer', headers: { authorization: `Bearer \u00ff\u00fe${r.string(10)}` } };
    default:
      return bearer('JWT, foreign key, our kid', foreignJwt(JSON.parse(Buffer.from(h!, 'base64url').toString()), claims));
  }
}

/** A path parameter: an id that exists, or one that cannot. */
function oddParam(r: FuzzRandom, c: FuzzCredentials): string {
  if (r.chance(0.35)) return r.pick(c.ids);
  return r.pick([
    'x',
    '%zz',
    '%00',
    '%c3%28',
    'a'.repeat(3000),
    '..%2f..%2fetc',
    '%E2%98%83',
    '-1',
    '0',
    '1e999',
    '%20',
    'echo',
    'upstream',
    'null',
    '__proto__',
    pct(JSON.stringify({ a: 1 })),
  ]);
}

/** A URL for a route pattern: parameters and wildcards filled. */
function fillPath(r: FuzzRandom, url: string, c: FuzzCredentials): string {
  return url
    .replace(/:[A-Za-z_]+/g, () => oddParam(r, c))
    .replace(/\*/g, () => r.pick(['', 'x', 'a/b/c', '%zz', 'x'.repeat(2000), '..%2F..', '%00']));
}

/** A near-valid /authorize query with one part broken (so it gets as far as the consent checks). */
function authorizeQuery(r: FuzzRandom, c: FuzzCredentials): string {
  const q: Record<string, unknown> = {
    response_type: 'code',
    client_id: r.pick([c.client.id, 'https://127.0.0.1:1/client.json', 'http://localhost/oauth/cli-client.json', r.string(20)]),
    redirect_uri: r.pick(['http://127.0.0.1:9/cb', 'https://example.com/cb', 'javascript:alert(1)', '']),
    code_challenge: r.string(43),
    code_challenge_method: 'S256',
    state: r.string(10),
    scope: r.pick(['echo.say', 'openid', 'x'.repeat(5000), '']),
    resource: r.pick(['http://localhost/mcp', 'urn:x', 'http://[::1', '']),
  };
  const k = r.pick(Object.keys(q));
  q[k] = oddValue(r, 512);
  return `?${Object.entries(q)
    .map(([key, v]) =>
      Array.isArray(v)
        ? v.map((x) => `${key}=${pct(String(x))}`).join('&')
        : `${key}=${pct(typeof v === 'object' ? JSON.stringify(v) : String(v))}`,
    )
    .join('&')}`;
}

/** A JSON-RPC message for /mcp: wrong versions, ids, methods, params, batches. */
function mcpBody(r: FuzzRandom): Buffer {
  const msg = () => {
    const m: Record<string, unknown> = {
      jsonrpc: r.chance(0.8) ? '2.0' : oddValue(r, 512),
      id: r.chance(0.7) ? r.int(100) : oddValue(r, 512),
      method: r.pick([
        'initialize',
        'tools/list',
        'tools/call',
        'notifications/initialized',
        'ping',
        'resources/list',
        'prompts/get',
        '',
        '__proto__',
        'tools/call/x',
        r.string(10),
      ]),
    };
    if (m.method === 'tools/call' && r.chance(0.5)) {
      const args: Record<string, unknown> = { text: 'hi', times: 1 };
      if (r.chance(0.7)) args[r.pick(['text', 'times', 'extra'])] = oddValue(r, 512);
      m.params = { name: r.pick(['echo_say', 'echo_swallow', 'echo_note', 'echo_fetch']), arguments: args };
    } else if (r.chance(0.85))
      m.params = r.pick([
        {
          name: r.pick(['echo_say', 'echo.say', 'echo_fetch', 'other_ping', '', r.string(8)]),
          arguments: r.chance(0.5) ? oddObject(r, 512) : oddValue(r, 512),
        },
        { protocolVersion: oddValue(r, 512), capabilities: oddValue(r, 512), clientInfo: oddValue(r, 512) },
        { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'fuzz', version: '1' } },
        oddValue(r, 512),
      ]);
    if (r.chance(0.05)) delete m.method;
    return m;
  };
  const v = r.chance(0.2) ? Array.from({ length: r.pick([0, 1, 3, 30]) }, msg) : msg();
  return Buffer.from(JSON.stringify(v));
}

/** A request whose framing breaks HTTP itself: bad request lines, headers, lengths, chunks. */
function brokenFraming(r: FuzzRandom, path: string): Buffer {
  return Buffer.from(
    r.pick([
      `GET ${path} HTTP/9.9\r\nhost: x\r\n\r\n`,
      `GET\r\n\r\n`,
      `G\u0000T ${path} HTTP/1.1\r\nhost: x\r\n\r\n`,
      `GET ${path} HTTP/1.1\r\nhost: x\r\nx-a\u0000: 1\r\n\r\n`,
      `GET ${path} HTTP/1.1\r\nhost: x\r\nbad header\r\n\r\n`,
      `GET ${path} HTTP/1.1\r\nhost: x\r\nx-a: 1\r\n folded\r\n\r\n`,
      `POST ${path} HTTP/1.1\r\nhost: x\r\ncontent-length: 5\r\ncontent-length: 6\r\n\r\nabcdef`,
      `POST ${path} HTTP/1.1\r\nhost: x\r\ncontent-length: 3\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n`,
      `POST ${path} HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\ncontent-type: application/json\r\n\r\nfffffffffffffffff\r\n`,
      `POST ${path} HTTP/1.1\r\nhost: x\r\ncontent-length: -1\r\n\r\n`,
      `GET /\u00ff\u00fe${path} HTTP/1.1\r\nhost: x\r\n\r\n`,
      `GET ${path}?${'q'.repeat(20_000)} HTTP/1.1\r\nhost: x\r\n\r\n`,
      `GET ${path} HTTP/1.1\r\nhost: x\r\nx-big: ${'h'.repeat(20_000)}\r\n\r\n`,
      `GET ${path} HTTP/1.0\r\n\r\n`,
      `GET ${path} HTTP/1.1\r\n\r\n`,
      `GET ${path} HTTP/1.1\r\nhost: x\r\ncookie: \u00ff\u00fe=\u0001\r\n\r\n`,
    ]),
    'latin1',
  );
}

/** Generates `count` malformed requests over `routes`, reproducibly from `r`. */
export function* fuzzRequests(
  r: FuzzRandom,
  routes: readonly ListedRoute[],
  c: FuzzCredentials,
  limit: number,
  count: number,
): Generator<FuzzRequest> {
  const handlers = routes.filter((x) => !['GET', 'HEAD', 'OPTIONS'].includes(x.method));
  for (let i = 0; i < count; i++) {
    const route = r.chance(0.5) ? r.pick(handlers) : r.pick(routes);
    const name = `${route.method} ${route.url}`;
    let path = fillPath(r, route.url, c);
    if (r.chance(0.02)) {
      yield r.chance(0.1)
        ? {
            kind: 'body shorter than its length, then the connection ends',
            method: 'POST',
            path,
            headers: {},
            raw: Buffer.from(`POST ${path} HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{"a":`),
            incomplete: true,
          }
        : { kind: 'broken HTTP framing', method: route.method, path, headers: {}, raw: brokenFraming(r, path) };
      continue;
    }
    let auth = r.chance(0.5) ? rightCredential(route, r, c) : authHeaders(r, c);
    while (SELF_ENDING.has(name) && holdsCredential(auth.headers, c)) auth = authHeaders(r, c);
    const headers: Record<string, string | string[]> = { ...auth.headers };
    const kinds = [auth.kind];
    let body: Buffer | undefined;
    if (route.url === '/authorize' || route.url === '/oauth/authorize/page') {
      if (r.chance(0.7)) ((path += authorizeQuery(r, c)), kinds.push('near-valid authorize'));
    } else if (r.chance(0.3)) ((path += oddQuery(r)), kinds.push('odd query'));
    const hasBody = !['GET', 'HEAD', 'OPTIONS'].includes(route.method) || r.chance(0.1);
    if (hasBody) {
      if (route.url === '/mcp' && route.method === 'POST' && r.chance(0.7)) {
        body = mcpBody(r);
        headers['content-type'] = 'application/json';
        headers.accept = r.pick(['application/json, text/event-stream', 'application/json', 'text/event-stream', '*/*', 'text/html']);
        if (r.chance(0.3)) headers['mcp-session-id'] = r.pick(['', r.string(36), 'x'.repeat(500)]);
        if (r.chance(0.3)) headers['mcp-protocol-version'] = r.pick(['2025-06-18', '1999-01-01', '', r.string(8)]);
        kinds.push('MCP message');
      } else if (r.chance(0.05)) {
        body = Buffer.from(`{"${r.pick(FIELDS)}":"${'y'.repeat(limit + 1024)}"}`);
        headers['content-type'] = 'application/json';
        kinds.push('body past the limit');
        yield {
          kind: kinds.join(', '),
          method: route.method,
          path,
          headers,
          raw: rawBytes({ kind: '', method: route.method, path, headers, body }),
        };
        continue;
      } else if (r.chance(0.6) && nearValidBody(name, r, c)) {
        const near = encodeNearValid(nearValidBody(name, r, c)!, r);
        body = near.body;
        Object.assign(headers, near.headers);
        kinds.push('near-valid body');
      } else {
        const odd = oddBody(r, limit);
        body = odd.body;
        Object.assign(headers, odd.headers);
        kinds.push(odd.kind);
      }
    }
    if (route.method === 'OPTIONS' || r.chance(0.05))
      Object.assign(headers, {
        origin: r.pick(['http://evil.example', 'null', 'http://localhost', '']),
        'access-control-request-method': r.pick(['POST', 'GET', 'X']),
      });
    if (r.chance(0.03)) ((headers.accept = r.pick(['text/html', 'application/json', '*/*;q=x', ''])), kinds.push('odd accept'));
    if (r.chance(0.02)) ((headers['x-forwarded-for'] = r.pick(['1.2.3.4', 'garbage', '::1, ::1, x'])), kinds.push('forwarded'));
    yield { kind: kinds.join(', '), method: route.method, path, headers, body };
  }
}
