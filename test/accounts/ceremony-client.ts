import { SoftAuthenticator } from './soft-authenticator.js';

/** A cookie-keeping HTTP client for the ceremony API, as a browser would use it (anonymous CSRF first). */
export class CeremonyClient {
  cookies = new Map<string, string>();
  csrf = '';

  constructor(readonly base: string) {}

  private absorb(res: Response): void {
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const i = pair.indexOf('=');
      const value = pair.slice(i + 1);
      if (value === '' || /Max-Age=0|Expires=Thu, 01 Jan 1970/i.test(c)) this.cookies.delete(pair.slice(0, i));
      else this.cookies.set(pair.slice(0, i), value);
    }
  }

  get cookie(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  /** Loads a page and keeps its CSRF token (meta tag). */
  async page(path: string): Promise<Response> {
    const res = await fetch(`${this.base}${path}`, { headers: { cookie: this.cookie, accept: 'text/html' }, redirect: 'manual' });
    this.absorb(res);
    const html = await res.clone().text();
    const m = /<meta name="csrf-token" content="([^"]+)"/.exec(html);
    if (m) this.csrf = m[1];
    return res;
  }

  async send(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; json: any; res: Response }> {
    const res = await fetch(`${this.base}${path}`, {
      method,
      redirect: 'manual',
      headers: {
        cookie: this.cookie,
        'x-csrf-token': this.csrf,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    this.absorb(res);
    const text = await res.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = text;
    }
    return { status: res.status, json, res };
  }

  /** Signs up with a new software authenticator; returns it and the new user id. */
  async signUp(): Promise<{ authenticator: SoftAuthenticator; userId: string }> {
    await this.page('/signup');
    const authenticator = new SoftAuthenticator(this.base);
    const options = (await this.send('POST', '/api/v1/signup/options', {})).json;
    const done = await this.send('POST', '/api/v1/signup', { response: authenticator.create(options) });
    if (done.status !== 200) throw new Error(`sign-up failed: ${done.status} ${JSON.stringify(done.json)}`);
    await this.page('/account');
    return { authenticator, userId: done.json.userId };
  }

  /** One sign-in ceremony; returns the answer of /api/v1/signin. */
  async signIn(authenticator: SoftAuthenticator, overrides = {}): Promise<{ status: number; json: any }> {
    await this.page('/login');
    const options = (await this.send('POST', '/api/v1/signin/options', {})).json;
    const r = await this.send('POST', '/api/v1/signin', { response: authenticator.get(options, overrides) });
    if (r.status === 200) await this.page('/account');
    return r;
  }
}
