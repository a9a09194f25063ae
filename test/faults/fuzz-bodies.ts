import type { FuzzRandom } from './fuzz-random.js';

/** Parameter names the endpoints read: a malformed body uses them so it gets past "unknown field" into handlers. */
export const FIELDS = [
  'grant_type',
  'client_id',
  'client_secret',
  'code',
  'code_verifier',
  'code_challenge',
  'code_challenge_method',
  'redirect_uri',
  'redirect_uris',
  'refresh_token',
  'scope',
  'scopes',
  'resource',
  'audience',
  'token',
  'token_type_hint',
  'subject_token',
  'subject_token_type',
  'actor_token',
  'actor_token_type',
  'requested_token_type',
  'response_type',
  'state',
  'nonce',
  'prompt',
  'client_name',
  'grant_types',
  'response_types',
  'token_endpoint_auth_method',
  'software_statement',
  'name',
  'display_name',
  'policy',
  'ttl',
  'expires_in',
  'expires_days',
  'user_id',
  'provider',
  'providers',
  'server',
  'session_id',
  'person',
  'text',
  'times',
  'url',
  'note',
  'header',
  'limits',
  'rate',
  'approve',
  'decision',
  'id',
  'ids',
  'agent_id',
  'delegation_id',
  'credential',
  'response',
  'challenge',
  'rawId',
  'type',
  'clientExtensionResults',
  'authenticatorAttachment',
  'invite',
  '_csrf',
  'return_to',
  'next',
  'jsonrpc',
  'method',
  'params',
  'arguments',
] as const;

/** Percent-encoding of every UTF-8 byte that is not unreserved (a lone surrogate, which encodeURIComponent refuses, as U+FFFD). */
export function pct(v: string): string {
  return Buffer.from(v)
    .toString('latin1')
    .replace(/[^A-Za-z0-9\-._~]/g, (ch) => `%${ch.charCodeAt(0).toString(16).padStart(2, '0').toUpperCase()}`);
}

const HUGE_NUMBERS = [1e308, -1e308, 2 ** 53 + 1, -0, 0.5, -1, 0, 4294967296];
const ODD_STRINGS = [
  '',
  ' ',
  '\u0000',
  'null',
  'undefined',
  'NaN',
  '-1',
  '1e999',
  '__proto__',
  'constructor',
  '../../etc/passwd',
  'javascript:alert(1)',
  'http://127.0.0.1:1/',
  'https://169.254.169.254/latest',
  'file:///etc/passwd',
  '<script>x</script>',
  '\u202e\u200b',
  '\ud83d\ude00',
  '\udc00',
  '%zz',
  '%',
  '\r\nx-injected: 1',
  'a'.repeat(300),
  'S256',
  'plain',
  'none',
  'openid profile',
  'echo.say echo.read',
  'client_credentials',
  'refresh_token',
  'authorization_code',
  'urn:ietf:params:oauth:grant-type:token-exchange',
  'urn:ietf:params:oauth:token-type:access_token',
  'code',
  'Bearer',
];

/** A value of the wrong type, size or shape for whatever field it lands in. */
export function oddValue(r: FuzzRandom, limit: number, depth = 0): unknown {
  switch (r.int(depth > 1 ? 6 : 10)) {
    case 0:
      return null;
    case 1:
      return r.chance(0.5);
    case 2:
      return r.pick(HUGE_NUMBERS);
    case 3:
      return r.pick(ODD_STRINGS);
    case 4:
      return r.string(1 + r.int(40));
    case 5:
      return r.string(depth > 0 ? r.int(200) : r.chance(0.2) ? Math.floor(limit / 2) : 2000 + r.int(8000)); // huge, within the limit
    case 6:
      return Array.from({ length: depth === 0 && r.chance(0.1) ? 2000 : r.int(4) }, () => oddValue(r, limit, depth + 2));
    case 7:
      return oddObject(r, limit, depth + 1);
    case 8:
      return { __proto__: { admin: true }, constructor: { prototype: { x: 1 } } };
    default:
      return [r.pick(ODD_STRINGS)];
  }
}

/** An object of known field names with odd values. */
export function oddObject(r: FuzzRandom, limit: number, depth = 0): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (let i = 0, n = 1 + r.int(6); i < n; i++) o[r.chance(0.9) ? r.pick(FIELDS) : r.string(1 + r.int(12))] = oddValue(r, limit, depth);
  return o;
}

/** A body and the content type it is sent with: broken JSON, wrong types, odd forms, odd encodings, huge ones. */
export function oddBody(r: FuzzRandom, limit: number): { kind: string; headers: Record<string, string>; body: Buffer } {
  const json = { 'content-type': 'application/json' };
  const form = { 'content-type': 'application/x-www-form-urlencoded' };
  const b = (s: string | Buffer) => (typeof s === 'string' ? Buffer.from(s) : s);
  switch (r.int(14)) {
    case 0: {
      const broken = [
        '{',
        '{"a":',
        '[1,2',
        'nul',
        '{"a":1}}',
        '{"a":1,}',
        "{'a':1}",
        '"\\ud800"',
        '{"a":"\\u00"}',
        '\ufeff{}',
        '1',
        '""',
        'true',
        '[]',
        '{}',
      ];
      return { kind: 'broken JSON', headers: json, body: b(r.pick(broken)) };
    }
    case 1:
    case 2:
    case 3:
      return { kind: 'JSON of wrong types', headers: json, body: b(JSON.stringify(oddObject(r, limit))) };
    case 4: {
      const depth = 1000 + r.int(20_000);
      return {
        kind: 'deeply nested JSON',
        headers: json,
        body: b(r.chance(0.5) ? '['.repeat(depth) + ']'.repeat(depth) : '{"a":'.repeat(depth) + '1' + '}'.repeat(depth)),
      };
    }
    case 5:
    case 6: {
      const parts: string[] = [];
      for (let i = 0, n = 1 + r.int(8); i < n; i++) {
        const k = r.pick(FIELDS);
        const v = String(r.chance(0.7) ? r.pick(ODD_STRINGS) : r.string(r.int(3000)));
        parts.push(r.pick([`${k}=${pct(v)}`, `${k}=${v}`, `${k}[]=${pct(v)}`, `${k}[a]=1`, k, `${k}=1&${k}=2`, `=${k}`, '%zz=%', '&&&']));
      }
      return { kind: 'odd form', headers: form, body: b(parts.join('&')) };
    }
    case 7: {
      const text = JSON.stringify(oddObject(r, limit));
      const type = r.pick([
        'text/plain',
        'application/xml',
        'multipart/form-data',
        'multipart/form-data; boundary=',
        'application/json; charset=utf-16',
        'application/json; charset=latin1',
        'application/json; charset="',
        ';;;',
        'application/x-www-form-urlencoded',
        '*/*',
        'application/jwt',
        'application/merge-patch+json',
        'APPLICATION/JSON',
      ]);
      return { kind: `wrong content type ${type}`, headers: { 'content-type': type }, body: b(text) };
    }
    case 8: {
      const bad = [
        Buffer.from([0xff, 0xfe, 0xfd]),
        Buffer.from([0xc0, 0xaf]),
        Buffer.from([0xed, 0xa0, 0x80]),
        Buffer.from([0xf4, 0x90, 0x80, 0x80]),
        Buffer.from([0x00]),
      ];
      const inner = r.pick(bad);
      const asForm = r.chance(0.4);
      const body = asForm
        ? Buffer.concat([b(`${r.pick(FIELDS)}=`), inner, b(`&${r.pick(FIELDS)}=x`)])
        : Buffer.concat([b(`{"${r.pick(FIELDS)}":"`), inner, b('"}')]);
      return { kind: 'invalid UTF-8', headers: asForm ? form : json, body };
    }
    case 9: {
      const encoding = r.pick(['gzip', 'deflate', 'br', 'identity, gzip', 'x-unknown']);
      return {
        kind: `content-encoding ${encoding} without it`,
        headers: { ...json, 'content-encoding': encoding },
        body: b(JSON.stringify(oddObject(r, limit))),
      };
    }
    case 10:
      return {
        kind: 'body near the limit',
        headers: r.chance(0.5) ? json : form,
        body: b(`{"${r.pick(FIELDS)}":"${'x'.repeat(limit - 64)}"}`),
      };
    case 11:
      return { kind: 'empty body', headers: r.pick([json, form, { 'content-type': 'text/plain' }]), body: Buffer.alloc(0) };
    case 12:
      return { kind: 'random bytes', headers: r.pick([json, form, {}]), body: r.bytes(1 + r.int(512)) };
    default:
      return {
        kind: 'JSON array of objects',
        headers: json,
        body: b(JSON.stringify(Array.from({ length: 1 + r.int(10) }, () => oddObject(r, limit / 8)))),
      };
  }
}

/** A broken query string: bad percent-encoding, duplicates, arrays, NUL, overlong. */
export function oddQuery(r: FuzzRandom): string {
  const k = r.pick(FIELDS);
  return r.pick([
    '?%',
    '?%zz=1',
    `?${k}=%E0%A4%A`,
    `?${k}=1&${k}=2`,
    `?${k}[]=a&${k}[]=b`,
    `?${k}[x]=1`,
    `?${k}=%00`,
    `?%00=%00`,
    `?${k}=%c3%28`,
    `?${k}=${'a'.repeat(6000 + r.int(4000))}`,
    `?${k}=javascript:alert(1)`,
    `?${k}`,
    '?&&&==&',
    `?${k}=${pct(r.pick(ODD_STRINGS))}`,
  ]);
}
