import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import {
  loadProviders,
  parseProviders,
  presets,
  providerById,
  type KeyProvider,
  type OAuthProvider,
} from '../../src/vault/providers/index.js';
import { vaultOptions } from '../../src/vault/vault-options.js';

const config = (providers: unknown[], providersFile?: string) => ({ providers, providersFile, vaultRefreshMargin: 300 });
const load = (entries: unknown[], env: NodeJS.ProcessEnv = {}) => loadProviders(config(entries), env);
const oauth = (entry: Record<string, unknown>, env: NodeJS.ProcessEnv = {}) => load([entry], env)[0] as OAuthProvider;
const fails = (entries: unknown[], env: NodeJS.ProcessEnv = {}) => expect(() => load(entries, env));

const credentials = { client_id: 'cid', client_secret: 'shh-very-secret' };

describe('provider presets', () => {
  it.each(Object.keys(presets).filter((p) => presets[p as keyof typeof presets].kind !== 'api_key'))(
    'the %s preset needs only a client id and secret',
    (name) => {
      const p = oauth({ preset: name, ...credentials });
      expect(p.id).toBe(name);
      expect(p.clientId).toBe('cid');
      expect(p.clientSecret).toBe('shh-very-secret');
      expect(p.scopes.length).toBeGreaterThan(0);
      expect(p.issuer ?? p.tokenEndpoint).toMatch(/^https:\/\//);
      expect(p.account.claims.length + p.account.userinfoFields.length).toBeGreaterThan(0);
      expect(p.pkce).toBe(true);
      expect(p.refreshMarginSeconds).toBe(300);
    },
  );

  it('fills Google, GitHub, Slack and X as their documentation says', () => {
    const [google, github, slack, x, microsoft] = load(
      ['google', 'github', 'slack', 'x', 'microsoft'].map((preset) => ({ preset, ...credentials })),
    ) as OAuthProvider[];
    expect(google).toMatchObject({
      kind: 'oidc',
      issuer: 'https://accounts.google.com',
      scopes: ['openid', 'email', 'profile'],
      authorizeParams: { access_type: 'offline', prompt: 'consent' },
      account: { claims: ['email'], userinfoFields: [] },
      tokenEndpointAuthMethod: 'client_secret_basic',
    });
    expect(github).toMatchObject({
      kind: 'oauth2',
      authorizationEndpoint: 'https://github.com/login/oauth/authorize',
      tokenEndpoint: 'https://github.com/login/oauth/access_token',
      userinfoEndpoint: 'https://api.github.com/user',
      account: { userinfoFields: ['login'] },
      scopeSeparator: ' ',
    });
    expect(github.revocationEndpoint).toBeUndefined();
    expect(slack).toMatchObject({ scopeSeparator: ',', tokenEndpoint: 'https://slack.com/api/oauth.v2.access' });
    expect(x).toMatchObject({
      authorizationEndpoint: 'https://x.com/i/oauth2/authorize',
      tokenEndpoint: 'https://api.x.com/2/oauth2/token',
      revocationEndpoint: 'https://api.x.com/2/oauth2/revoke',
      userinfoEndpoint: 'https://api.x.com/2/users/me',
      scopes: ['tweet.read', 'tweet.write', 'users.read', 'offline.access'],
      account: { userinfoFields: ['data.username'] },
      tokenEndpointAuthMethod: 'client_secret_basic',
      pkce: true,
    });
    // the common endpoint's templated issuer cannot be checked: explicit endpoints, no ID token
    expect(microsoft).toMatchObject({ kind: 'oauth2', tokenEndpoint: 'https://login.microsoftonline.com/common/oauth2/v2.0/token' });
    expect(microsoft.scopes).not.toContain('openid');
  });

  it('the key presets: Telegram (bot token with its pattern, verified) and a generic HTTP API key', () => {
    const [telegram, key] = load([{ preset: 'telegram' }, { preset: 'http_api_key', id: 'weather', name: 'Weather API' }]) as KeyProvider[];
    expect(telegram).toMatchObject({
      id: 'telegram',
      kind: 'api_key',
      apiBase: 'https://api.telegram.org',
      fields: [{ name: 'bot_token', label: 'Bot token', pattern: '\\d+:[A-Za-z0-9_-]{30,}', secret: true }],
    });
    expect(typeof telegram.verify).toBe('function');
    expect(key).toMatchObject({ id: 'weather', name: 'Weather API', fields: [{ name: 'api_key', secret: true }] });
    expect(key.verify).toBeUndefined();
  });

  it('a field the entry gives replaces the preset’s, whole', () => {
    const p = oauth({
      preset: 'google',
      id: 'work-google',
      name: 'Work Google',
      ...credentials,
      scopes: 'openid email https://www.googleapis.com/auth/gmail.readonly',
      authorize_params: { hd: 'example.com' },
      refresh_margin: 60,
      token_endpoint_auth_method: 'client_secret_post',
    });
    expect(p).toMatchObject({
      id: 'work-google',
      name: 'Work Google',
      issuer: 'https://accounts.google.com',
      scopes: ['openid', 'email', 'https://www.googleapis.com/auth/gmail.readonly'],
      authorizeParams: { hd: 'example.com' },
      refreshMarginSeconds: 60,
      tokenEndpointAuthMethod: 'client_secret_post',
    });
    // the preset itself is not changed by an override
    expect(presets.google.authorize_params).toEqual({ access_type: 'offline', prompt: 'consent' });
  });

  it('an unknown preset is refused with the closest one', () => {
    fails([{ preset: 'gogle', ...credentials }]).toThrow('OAUTH3_PROVIDERS: provider #1: preset "gogle" is not a preset');
    fails([{ preset: 'gogle', ...credentials }]).toThrow('did you mean "google"?');
  });
});

describe('a provider declared in full', () => {
  const full = {
    id: 'upstream',
    name: 'Upstream',
    kind: 'oauth2',
    authorization_endpoint: 'http://127.0.0.1:9/authorize',
    token_endpoint: 'http://localhost:9/token',
    revocation_endpoint: 'http://[::1]:9/revoke',
    userinfo_endpoint: 'https://up.example/me',
    client_id: 'c',
    client_secret_env: 'UPSTREAM_SECRET',
    scopes: ['read', 'write'],
    scope_separator: ',',
    pkce: false,
    authorize_params: { audience: 'api', max_results: 10 },
    account: { userinfo_fields: ['user.name', 'id'] },
  };

  it('reads every field, the secret from the variable client_secret_env names', () => {
    expect(oauth(full, { UPSTREAM_SECRET: ' from-env ' })).toEqual({
      id: 'upstream',
      name: 'Upstream',
      kind: 'oauth2',
      authorizationEndpoint: 'http://127.0.0.1:9/authorize',
      tokenEndpoint: 'http://localhost:9/token',
      revocationEndpoint: 'http://[::1]:9/revoke',
      userinfoEndpoint: 'https://up.example/me',
      clientId: 'c',
      clientSecret: 'from-env',
      tokenEndpointAuthMethod: 'client_secret_basic',
      scopes: ['read', 'write'],
      scopeSeparator: ',',
      pkce: false,
      authorizeParams: { audience: 'api', max_results: '10' },
      account: { claims: [], userinfoFields: ['user.name', 'id'] },
      refreshMarginSeconds: 300,
    });
  });

  it('splits a scopes string at spaces, and at the separator when it is a comma', () => {
    expect(oauth({ ...full, scopes: 'a,b c' }, { UPSTREAM_SECRET: 's' }).scopes).toEqual(['a', 'b', 'c']);
    expect(oauth({ ...full, scope_separator: ' ', scopes: ' a  b ' }, { UPSTREAM_SECRET: 's' }).scopes).toEqual(['a', 'b']);
  });

  it('names the account by a claim (oidc) or a userinfo field (oauth2) when account is one string', () => {
    const oidc = { id: 'o', kind: 'oidc', issuer: 'https://id.example', client_id: 'c', scopes: 'openid', account: 'preferred_username' };
    expect(oauth(oidc).account).toEqual({ claims: ['preferred_username'], userinfoFields: [] });
    expect(oauth({ ...full, account: 'login' }, { UPSTREAM_SECRET: 's' }).account).toEqual({ claims: [], userinfoFields: ['login'] });
  });

  it('a public client (no secret) authenticates with none and must use PKCE', () => {
    const { client_secret_env: _, ...rest } = full;
    expect(oauth({ ...rest, pkce: true }).tokenEndpointAuthMethod).toBe('none');
    fails([rest]).toThrow('OAUTH3_PROVIDERS: provider "upstream": pkce must be true for a public client');
  });

  it('the refresh margin defaults to OAUTH3_VAULT_REFRESH_MARGIN', () => {
    const [p] = loadProviders({ ...config([{ preset: 'x', ...credentials }]), vaultRefreshMargin: 42 }) as OAuthProvider[];
    expect(p.refreshMarginSeconds).toBe(42);
  });
});

describe('validation names the provider and the field', () => {
  const base = {
    id: 'up',
    kind: 'oauth2',
    authorization_endpoint: 'https://a.example/auth',
    token_endpoint: 'https://a.example/token',
    ...credentials,
  };
  it.each<[string, unknown[], string]>([
    ['client id missing', [{ preset: 'google', client_secret: 's' }], 'provider "google": client_id is required'],
    ['no id, no preset', [{ kind: 'oauth2' }], 'provider #1: id is required'],
    ['a bad id', [{ ...base, id: 'Up' }], 'provider #1: id "Up" must match [a-z][a-z0-9_-]*'],
    ['an id twice', [base, { ...base }], 'provider "up": id is given twice'],
    ['no kind', [{ id: 'k' }], 'provider "k": kind is required'],
    ['a bad kind', [{ ...base, kind: 'saml' }], 'provider "up": kind "saml" is not one of oauth2, oidc, api_key'],
    ['oidc without issuer', [{ ...base, kind: 'oidc', scopes: 'openid' }], 'provider "up": issuer is required for an oidc provider'],
    [
      'oauth2 without endpoints or issuer',
      [{ ...base, token_endpoint: undefined }],
      'provider "up": token_endpoint is required (or issuer',
    ],
    [
      'plain http elsewhere',
      [{ ...base, token_endpoint: 'http://a.example/token' }],
      'provider "up": token_endpoint "http://a.example/token" must be an https URL',
    ],
    ['not a URL', [{ ...base, issuer: 'accounts.google.com' }], 'provider "up": issuer "accounts.google.com" is not a URL'],
    [
      'secret for basic missing',
      [{ ...base, client_secret: undefined, token_endpoint_auth_method: 'client_secret_basic' }],
      'provider "up": client_secret is required for client_secret_basic',
    ],
    ['both secrets', [{ ...base, client_secret_env: 'X' }], 'provider "up": client_secret_env cannot be given with client_secret'],
    [
      'a bad auth method',
      [{ ...base, token_endpoint_auth_method: 'private_key_jwt' }],
      'provider "up": token_endpoint_auth_method "private_key_jwt" is not one of',
    ],
    ['a bad scope', [{ ...base, scopes: ['ok', 'b"ad'] }], 'provider "up": scopes "b"ad" is not a valid scope'],
    ['scopes not strings', [{ ...base, scopes: [1] }], 'provider "up": scopes must be a list of strings or a string'],
    [
      'oidc without openid',
      [{ ...base, kind: 'oidc', issuer: 'https://i.example', scopes: 'email' }],
      'provider "up": scopes must include openid',
    ],
    [
      'a flow parameter',
      [{ ...base, authorize_params: { redirect_uri: 'https://evil.example' } }],
      'provider "up": authorize_params.redirect_uri is set by the connect flow',
    ],
    ['pkce not a boolean', [{ ...base, pkce: 'yes' }], 'provider "up": pkce must be true or false'],
    ['a bad separator', [{ ...base, scope_separator: ';' }], 'provider "up": scope_separator ";" is not one of'],
    ['a bad refresh margin', [{ ...base, refresh_margin: -1 }], 'provider "up": refresh_margin -1 is outside 0..86400'],
    ['claims on oauth2', [{ ...base, account: { claims: ['email'] } }], 'provider "up": account.claims needs kind oidc'],
    ['an empty account', [{ ...base, account: {} }], 'provider "up": account must name at least one claim or userinfo field'],
    [
      'an unknown account field',
      [{ ...base, account: { userinfo_field: ['x'] } }],
      'provider "up": account.userinfo_field is not a known field; did you mean "userinfo_fields"?',
    ],
    [
      'userinfo fields without an endpoint',
      [{ ...base, account: 'login' }],
      'provider "up": userinfo_endpoint is required to name the account',
    ],
    [
      'an unknown field',
      [{ ...base, client_secrett: 'x' }],
      'provider "up": client_secrett is not a known field; did you mean "client_secret"?',
    ],
    ['a key field on oauth', [{ ...base, fields: [] }], 'provider "up": fields is not a known field'],
    ['not an object', ['google'], 'provider #1 must be an object'],
    [
      'a URL with a password',
      [{ ...base, issuer: 'https://u:p@a.example' }],
      'provider "up": issuer must not hold a user name or password',
    ],
  ])('%s', (_, entries, message) => {
    fails(entries).toThrow(`OAUTH3_PROVIDERS: ${message}`);
  });

  it('a variable client_secret_env names that is not set', () => {
    fails([{ preset: 'github', client_id: 'c', client_secret_env: 'GITHUB_SECRET' }], { GITHUB_SECRET: ' ' }).toThrow(
      'OAUTH3_PROVIDERS: provider "github": client_secret_env names GITHUB_SECRET, which is not set',
    );
  });

  it('client_secret_env may not name an OAUTH3_ variable (those are options: the start refuses unknown ones)', () => {
    fails([{ preset: 'github', client_id: 'c', client_secret_env: 'OAUTH3_GITHUB_SECRET' }], { OAUTH3_GITHUB_SECRET: 's' }).toThrow(
      'OAUTH3_PROVIDERS: provider "github": client_secret_env names OAUTH3_GITHUB_SECRET: OAUTH3_ variables are the gateway\'s options',
    );
  });

  it('never shows a secret in a message', () => {
    const secret = 'TOPSECRET-value-1234';
    const tries: unknown[][] = [
      [{ ...base, client_secret: secret, client_secret_env: 'X' }],
      [{ ...base, client_secret: secret, token_endpoint_auth_method: 'none' }],
      [{ ...base, client_secret: [secret] }],
    ];
    for (const t of tries) {
      let message = '';
      try {
        load(t, { X: secret });
      } catch (e) {
        message = (e as Error).message;
      }
      expect(message).toMatch(/^OAUTH3_PROVIDERS: provider "up": client_secret/);
      expect(message).not.toContain(secret);
    }
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['no fields', { fields: [] }, 'provider "k": fields must be a non-empty list'],
    ['a bad field name', { fields: [{ name: 'Key' }] }, 'provider "k": fields[0].name "Key" must match'],
    ['a field twice', { fields: [{ name: 'a' }, { name: 'a' }] }, 'provider "k": fields[1].name "a" is given twice'],
    ['a bad pattern', { fields: [{ name: 'a', pattern: '(' }] }, 'provider "k": fields[0].pattern is not a valid regular expression'],
    [
      'an unknown field of a field',
      { fields: [{ name: 'a', lable: 'A' }] },
      'provider "k": fields[0].lable is not a known field; did you mean "label"?',
    ],
    ['verify without url', { verify: {} }, 'provider "k": verify.url is required'],
    [
      'verify naming no field',
      { verify: { url: 'https://k.example/{token}' } },
      'provider "k": verify.url names {token}, which is not a field',
    ],
    ['verify api_base unset', { verify: { url: '{api_base}/me' } }, 'provider "k": verify.url names {api_base}, which is not set'],
    [
      'a placeholder in the host',
      { verify: { url: 'https://{key}.example/' } },
      'provider "k": verify.url may hold field placeholders in its path and query only',
    ],
    [
      'verify over plain http',
      { verify: { url: 'http://k.example/me' } },
      'provider "k": verify.url "http://k.example/me" must be an https URL',
    ],
    [
      'a bad method',
      { verify: { url: 'https://k.example/', method: 'DELETE' } },
      'provider "k": verify.method "DELETE" is not one of GET, POST',
    ],
    [
      'a header naming no field',
      { verify: { url: 'https://k.example/', headers: { authorization: 'Bearer {tok}' } } },
      'provider "k": verify.headers.authorization names {tok}',
    ],
    ['an oauth field on a key provider', { client_id: 'c' }, 'provider "k": client_id is not a known field'],
  ])('key provider: %s', (_, extra, message) => {
    fails([{ id: 'k', kind: 'api_key', fields: [{ name: 'key' }], ...extra }]).toThrow(`OAUTH3_PROVIDERS: ${message}`);
  });
});

describe('loading from the config and the providers file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'oauth3-providers-'));

  it('reads a YAML file after OAUTH3_PROVIDERS, ids unique across both', () => {
    const file = join(dir, 'providers.yaml');
    writeFileSync(
      file,
      [
        'providers:',
        '  - preset: github',
        '    client_id: gh-client',
        '    client_secret_env: GH_SECRET',
        '  - id: bot',
        '    preset: telegram',
        '    api_base: http://127.0.0.1:9',
      ].join('\n'),
    );
    const list = loadProviders(config([{ preset: 'google', ...credentials }], file), { GH_SECRET: 'gh-secret' });
    expect(list.map((p) => p.id)).toEqual(['google', 'github', 'bot']);
    expect((providerById(list, 'github') as OAuthProvider).clientSecret).toBe('gh-secret');
    expect((providerById(list, 'bot') as KeyProvider).apiBase).toBe('http://127.0.0.1:9');
    expect(providerById(list, 'nope')).toBeUndefined();
    expect(() => loadProviders(config([{ preset: 'github', ...credentials }], file), { GH_SECRET: 's' })).toThrow(
      `OAUTH3_PROVIDERS_FILE (${file}): provider "github": id is given twice`,
    );
  });

  it('reads a JSON file holding a list, and names the file in its errors', () => {
    const file = join(dir, 'providers.json');
    writeFileSync(file, JSON.stringify([{ preset: 'x', client_id: 'x-client' }]));
    expect(() => loadProviders(config([], file))).toThrow(
      `OAUTH3_PROVIDERS_FILE (${file}): provider "x": client_secret is required for client_secret_basic`,
    );
  });

  it('refuses a missing file, a file that does not parse and one that holds no list', () => {
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'providers:\n  - id: a\n   kind: [');
    const scalar = join(dir, 'scalar.yaml');
    writeFileSync(scalar, 'google');
    expect(() => loadProviders(config([], join(dir, 'missing.yaml')))).toThrow(
      /^OAUTH3_PROVIDERS_FILE: cannot read .*missing\.yaml: ENOENT$/,
    );
    expect(() => loadProviders(config([], bad))).toThrow(/^OAUTH3_PROVIDERS_FILE: .*bad\.yaml is not valid JSON or YAML \(line \d+\)$/);
    expect(() => loadProviders(config([], scalar))).toThrow(/must hold a list of providers/);
  });

  it('OAUTH3_PROVIDERS is JSON text in the environment, a list in the config file', () => {
    const c = loadConfig(
      { OAUTH3_PROVIDERS: '[{"preset":"google","client_id":"a","client_secret":"b"}]', OAUTH3_VAULT_REFRESH_MARGIN: '120' },
      {},
      [vaultOptions],
    );
    expect(c.vaultRefreshMargin).toBe(120);
    expect((loadProviders(c, {})[0] as OAuthProvider).refreshMarginSeconds).toBe(120);
    expect(loadConfig({}, {}, [vaultOptions])).toMatchObject({ providers: [], vaultRefreshMargin: 300 });
    expect(() => loadConfig({ OAUTH3_PROVIDERS: '{"preset":"google"}' }, {}, [vaultOptions])).toThrow(
      'OAUTH3_PROVIDERS: must be a JSON list of providers',
    );
    expect(() => loadConfig({ OAUTH3_PROVIDERS: '[{' }, {}, [vaultOptions])).toThrow('OAUTH3_PROVIDERS: is not valid JSON');
  });
});

describe('parseProviders', () => {
  it('refuses something that is not a list', () => {
    expect(() => parseProviders({ preset: 'google' })).toThrow('must be a list of providers');
  });
});
