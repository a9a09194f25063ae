import { describe, expect, it } from 'vitest';
import { routePathUnder } from './public-path.js';

describe('routePathUnder', () => {
  it('takes the public URL path off once, and maps the path-inserted discovery forms to their documents', () => {
    const cases: Array<[string, string | undefined]> = [
      ['/auth', '/'],
      ['/auth/', '/'],
      ['/auth?x=1', '/?x=1'],
      ['/auth/login?return_to=%2Faccount', '/login?return_to=%2Faccount'],
      ['/auth/auth/connect/x', '/auth/connect/x'],
      ['/auth/.well-known/openid-configuration', '/.well-known/openid-configuration'],
      ['/.well-known/oauth-authorization-server/auth', '/.well-known/oauth-authorization-server'],
      ['/.well-known/oauth-protected-resource/auth/mcp/x?y=1', '/.well-known/oauth-protected-resource/mcp/x?y=1'],
      // outside the gateway
      ['/authorize', undefined],
      ['/login', undefined],
      ['/', undefined],
      ['/.well-known/oauth-authorization-server', undefined],
      ['/.well-known/oauth-authorization-server/other', undefined],
      ['/.well-known/oauth-authorization-server/authx', undefined],
    ];
    for (const [url, expected] of cases) expect(routePathUnder('/auth', url), url).toBe(expected);
  });
});
