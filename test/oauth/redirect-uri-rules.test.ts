import { describe, expect, it } from 'vitest';
import { redirectUriMatches, redirectUriProblem } from '../../src/oauth/clients/redirect-uri-rules.js';

describe('redirect URI rules', () => {
  it.each([
    ['the loopback IPv4 literal with another port (RFC 8252 §7.3)', 'http://127.0.0.1/cb', 'http://127.0.0.1:8080/cb'],
    ['a registered loopback port replaced by another', 'http://127.0.0.1:7777/cb', 'http://127.0.0.1:7778/cb'],
    ['the loopback IPv6 literal with another port', 'http://[::1]/cb', 'http://[::1]:5/cb'],
  ])('accepts %s', (_what, registered, requested) => {
    expect(redirectUriMatches([registered], requested)).toBe(true);
  });

  it.each([
    ['a trailing slash', 'http://127.0.0.1/cb', 'http://127.0.0.1:8080/cb/'],
    ['case', 'http://127.0.0.1/cb', 'http://127.0.0.1:8080/CB'],
    ['userinfo', 'http://127.0.0.1/cb', 'http://user@127.0.0.1:8080/cb'],
    ['a fragment', 'http://127.0.0.1/cb', 'http://127.0.0.1:8080/cb#x'],
    ['an empty fragment', 'https://a.example/cb', 'https://a.example/cb#'],
    ['an encoded character', 'http://127.0.0.1/cb', 'http://127.0.0.1:8080/%63b'],
    ['a backslash', 'http://127.0.0.1/cb', 'http://127.0.0.1:8080\\cb'],
    ['a query', 'http://127.0.0.1/cb', 'http://127.0.0.1:8080/cb?x=1'],
    ['https instead of http', 'http://127.0.0.1/cb', 'https://127.0.0.1:8080/cb'],
    ['another spelling of the loopback address', 'http://127.0.0.1/cb', 'http://127.1:8080/cb'],
    ['a trailing dot in the host', 'http://127.0.0.1/cb', 'http://127.0.0.1.:8080/cb'],
    ['the port of a localhost name (only IP literals may vary)', 'http://localhost/cb', 'http://localhost:8080/cb'],
    ['the port of an https URI', 'https://a.example/cb', 'https://a.example:8443/cb'],
  ])('refuses a request that differs by %s', (_what, registered, requested) => {
    expect(redirectUriMatches([registered], requested)).toBe(false);
  });

  it.each([
    'https://a.example/cb#',
    'https://u:p@a.example/cb',
    'https://*.a.example/cb',
    'javascript:alert(1)//',
    'data:text/html,x',
    'http://a.example/cb',
    'http://127.0.0.1.evil.example/cb',
    'http://[::ffff:127.0.0.1]/cb',
    'http://localhost./cb',
    'http://0.0.0.0/cb',
    '',
  ])('refuses to register %s', (uri) => {
    expect(redirectUriProblem(uri)).toBeTruthy();
  });
});
