import { createServer, type IncomingHttpHeaders } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkKeyValues, KeyValueError, loadProviders, type KeyProvider } from '../../src/vault/providers/index.js';
import { botToken, startTelegramBotApi, type TelegramBotApi } from '../support/telegram-bot-api.js';

const load = (entries: unknown[]) => loadProviders({ providers: entries, vaultRefreshMargin: 300 }, {}) as KeyProvider[];
const signal = () => AbortSignal.timeout(5000);

/** The error `p` rejects with (failing if it resolves). */
async function refusal(p: Promise<unknown>): Promise<KeyValueError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(KeyValueError);
  return e as KeyValueError;
}

describe('the Telegram preset verifies a bot token with getMe', () => {
  let api: TelegramBotApi;
  let telegram: KeyProvider;
  beforeAll(async () => {
    api = await startTelegramBotApi();
    [telegram] = load([{ preset: 'telegram', api_base: api.url }]);
  });
  afterAll(() => api.close());

  it('names the account @ + the bot’s username', async () => {
    const token = api.addBot('weather_bot');
    expect(await telegram.verify!({ bot_token: ` ${token} ` }, signal())).toEqual({ account: '@weather_bot' });
    expect(api.calls.at(-1)).toMatchObject({ token, method: 'getMe' });
  });

  it('a token Telegram does not know is refused, and the message holds no part of it', async () => {
    const token = botToken();
    const before = api.calls.length;
    const e = await refusal(telegram.verify!({ bot_token: token }, signal()));
    expect(e.reason).toBe('refused');
    expect(e.message).toBe('Telegram bot refused the bot token (HTTP 401).');
    expect(e.message).not.toContain(token.split(':')[1].slice(0, 8));
    expect(api.calls.length).toBe(before + 1);
  });

  it('a value not of the bot token’s form is refused before any call', async () => {
    const before = api.calls.length;
    for (const bad of ['', '123:short', 'abc:0123456789012345678901234567890123', `${botToken()}/../../x`]) {
      const e = await refusal(telegram.verify!({ bot_token: bad }, signal()));
      expect(e.reason).toBe('refused');
      expect(e.message).toMatch(/^Bot token is (required|not in the expected form)\.$/);
    }
    expect(api.calls.length).toBe(before);
  });

  it('an upstream outage is "unavailable", not a refusal', async () => {
    api.failWith(502);
    try {
      const e = await refusal(telegram.verify!({ bot_token: api.addBot('x_bot') }, signal()));
      expect(e.reason).toBe('unavailable');
      expect(e.message).toMatch(/^Telegram bot \(127\.0\.0\.1:\d+\) answered HTTP 502; try again later\.$/);
    } finally {
      api.failWith(undefined);
    }
  });

  it('an upstream that cannot be reached is "unavailable", without the URL (it holds the token)', async () => {
    const [gone] = load([{ preset: 'telegram', api_base: 'http://127.0.0.1:9' }]);
    const token = botToken();
    const e = await refusal(gone.verify!({ bot_token: token }, signal()));
    expect(e.reason).toBe('unavailable');
    expect(e.message).toBe('Telegram bot (127.0.0.1:9) could not be reached.');
  });
});

describe('a key provider’s verify built from data', () => {
  let url: string;
  const seen: { method: string; path: string; headers: IncomingHttpHeaders }[] = [];
  const server = createServer((req, res) => {
    seen.push({ method: req.method!, path: req.url!, headers: req.headers });
    res.setHeader('content-type', 'application/json');
    if (req.url?.startsWith('/slow')) return void setTimeout(() => res.end('{}'), 2000);
    if (req.url?.startsWith('/redirect')) {
      res.writeHead(302, { location: 'https://elsewhere.example/' });
      return void res.end();
    }
    if (req.headers.authorization !== 'Bearer good-key' && !req.url?.includes('key=good')) {
      res.writeHead(403);
      return void res.end('{"error":"forbidden"}');
    }
    res.end(JSON.stringify({ data: { owner: { login: 'ada' } }, plain: 'text' }));
  });
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const provider = (verify: Record<string, unknown>, fields: unknown[] = [{ name: 'api_key', label: 'API key' }]) =>
    load([{ id: 'local', name: 'Local API', kind: 'api_key', fields, verify: { ...verify, url: verify.url ?? `${url}/me` } }])[0];

  it('sends the key in a header and names the account by a dot path into the answer', async () => {
    const p = provider({ method: 'POST', headers: { authorization: 'Bearer {api_key}' }, account_field: 'data.owner.login' });
    expect(await p.verify!({ api_key: 'good-key' }, signal())).toEqual({ account: 'ada' });
    expect(seen.at(-1)).toMatchObject({ method: 'POST', path: '/me', headers: { authorization: 'Bearer good-key' } });
  });

  it('fills URL placeholders URL-encoded, so a value cannot add parameters or move the path', async () => {
    const p = provider({ url: `${url}/check?key={api_key}&region={region}` }, [
      { name: 'api_key', label: 'API key' },
      { name: 'region', label: 'Region', secret: false },
    ]);
    expect(await p.verify!({ api_key: 'good', region: 'eu/../x&admin=1' }, signal())).toEqual({ account: 'Local API' });
    expect(seen.at(-1)!.path).toBe('/check?key=good&region=eu%2F..%2Fx%26admin%3D1');
  });

  it('a key the upstream refuses, a redirect and a missing account field', async () => {
    const refused = await refusal(provider({ headers: { authorization: 'Bearer {api_key}' } }).verify!({ api_key: 'bad-key' }, signal()));
    expect([refused.reason, refused.message]).toEqual(['refused', 'Local API refused the API key (HTTP 403).']);
    const moved = await refusal(provider({ url: `${url}/redirect` }).verify!({ api_key: 'k' }, signal()));
    expect(moved.reason).toBe('refused');
    expect(seen.at(-1)!.path).toBe('/redirect'); // the redirect was not followed
    const missing = await refusal(
      provider({ headers: { authorization: 'Bearer {api_key}' }, account_field: 'data.nobody' }).verify!({ api_key: 'good-key' }, signal()),
    );
    expect([missing.reason, missing.message]).toEqual(['unavailable', expect.stringMatching(/answered without data\.nobody\.$/)]);
  });

  it('a header value with a line break is refused before any call', async () => {
    const before = seen.length;
    const e = await refusal(provider({ headers: { 'x-key': '{api_key}' } }).verify!({ api_key: 'a\r\nx-admin: 1' }, signal()));
    expect(e.message).toBe('Local API: the API key holds a line break.');
    expect(seen.length).toBe(before);
  });

  it('gives up when the caller’s signal ends', async () => {
    const e = await refusal(provider({ url: `${url}/slow` }).verify!({ api_key: 'k' }, AbortSignal.timeout(200)));
    expect([e.reason, e.message]).toEqual(['unavailable', expect.stringMatching(/did not answer in time\.$/)]);
  });
});

describe('checkKeyValues', () => {
  const fields = [
    { name: 'token', label: 'Token', pattern: '[a-z]{4}', secret: true },
    { name: 'base', label: 'Base URL', secret: false },
  ];
  it('trims, checks each pattern in full, and drops values of no field', () => {
    expect(checkKeyValues({ fields }, { token: ' abcd ', base: 'x', extra: 'y' })).toEqual({ token: 'abcd', base: 'x' });
    expect(() => checkKeyValues({ fields }, { token: 'abcde', base: 'x' })).toThrow('Token is not in the expected form.');
    expect(() => checkKeyValues({ fields }, { token: 'abcd' })).toThrow('Base URL is required.');
    expect(() => checkKeyValues({ fields }, { token: ['abcd'], base: 'x' })).toThrow('Token is required.');
    expect(() => checkKeyValues({ fields }, { token: 'abcd', base: 'x'.repeat(4097) })).toThrow('Base URL is too long.');
    expect(checkKeyValues({ fields }, { token: 'abcd', base: 'x'.repeat(4096) }).base).toHaveLength(4096);
  });
});
