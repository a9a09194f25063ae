import { createServer } from 'node:http';
import type { Page } from 'playwright-core';
import type { OAuthClientProvider } from '@modelcontextprotocol/sdk/client/auth.js';
import type { OAuthClientInformationMixed, OAuthTokens } from '@modelcontextprotocol/sdk/shared/auth.js';
import { freePort } from './free-port.js';

/**
 * An in-memory OAuthClientProvider, as any MCP host implements it, for tests that let the SDK client authorize
 * against the gateway: the registration and tokens it is given are kept; the authorization URL it is sent to is
 * recorded (the test opens it in Chromium).
 */
export class MemoryAuthProvider implements OAuthClientProvider {
  info?: OAuthClientInformationMixed;
  saved: OAuthTokens[] = [];
  verifier = '';
  authorizationUrl?: URL;
  constructor(
    readonly redirectUrl: string,
    readonly clientName = 'SDK test host',
  ) {}
  get clientMetadata() {
    return {
      client_name: this.clientName,
      redirect_uris: [this.redirectUrl],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    };
  }
  state() {
    return 'sdk-state-123';
  }
  clientInformation() {
    return this.info;
  }
  saveClientInformation(info: OAuthClientInformationMixed) {
    this.info = info;
  }
  tokens() {
    return this.saved.at(-1);
  }
  saveTokens(tokens: OAuthTokens) {
    this.saved.push(tokens);
  }
  redirectToAuthorization(url: URL) {
    this.authorizationUrl = url;
  }
  saveCodeVerifier(v: string) {
    this.verifier = v;
  }
  codeVerifier() {
    return this.verifier;
  }
}

/** The host's redirect URI on 127.0.0.1: the parameters of the first request it gets arrive in `nextCode`. */
export interface RedirectCatcher {
  redirectUrl: string;
  nextCode: Promise<URLSearchParams>;
  close(): Promise<void>;
}

/** Starts a redirect URI (`http://127.0.0.1:<port>/callback`, or on `port`) that answers "You can close this window." */
export async function startRedirectCatcher(port?: number): Promise<RedirectCatcher> {
  const cbPort = port ?? (await freePort());
  const redirectUrl = `http://127.0.0.1:${cbPort}/callback`;
  let deliver!: (p: URLSearchParams) => void;
  const nextCode = new Promise<URLSearchParams>((ok) => (deliver = ok));
  const server = createServer((req, res) => {
    deliver(new URL(req.url!, redirectUrl).searchParams);
    res.writeHead(200, { 'content-type': 'text/plain' }).end('You can close this window.');
  });
  await new Promise<void>((ok) => server.listen(cbPort, '127.0.0.1', ok));
  return { redirectUrl, nextCode, close: () => new Promise<void>((ok) => server.close(() => ok())) };
}

/** Follows the authorization URL in `page`: the sign-in page, the person's passkey, then the consent page. */
export async function signInToConsent(page: Page, authorizationUrl: URL): Promise<void> {
  await page.goto(authorizationUrl.href);
  await page.waitForURL((u) => u.pathname === '/login');
  await page.getByTestId('sign-in').click();
  await page.waitForURL((u) => u.pathname === '/oauth/authorize/page');
}
