// A browser tab for the passkey benches (bench/passkey.bench.ts, bench/memory.bench.ts): one keep-alive connection to
// the gateway, the anonymous cookie and CSRF token of the page it loaded once, and the ceremonies a person runs
// there with a software authenticator (test/accounts/soft-authenticator.ts, the one the ceremony tests use).
import { SoftAuthenticator } from '../test/accounts/soft-authenticator.js';
import { Connection } from './loop-load.js';

const sessionSet = (cookies: string[]) => cookies.some((c) => /^oauth3_session=[^;]+/.test(c));

export class PasskeyTab {
  /** Time this process spent in the authenticator (creating keys, signing), ns: what a real one would spend. */
  signingNs = 0n;

  private constructor(
    readonly origin: string,
    readonly conn: Connection,
    private readonly headers: Record<string, string>,
  ) {}

  /** Loads /login once and keeps its anonymous cookie and CSRF token (the session cookies answers set are dropped). */
  static async open(origin: string): Promise<PasskeyTab> {
    const conn = new Connection(origin);
    const page = await conn.send('GET', '/login', { accept: 'text/html' });
    const csrf = /<meta name="csrf-token" content="([^"]+)"/.exec(page.body)?.[1];
    const anon = page.cookies.map((c) => c.split(';')[0]!).find((c) => !c.endsWith('='));
    if (page.status !== 200 || !csrf || !anon) throw new Error(`GET /login gave ${page.status} without a CSRF token or cookie`);
    return new PasskeyTab(origin, conn, { cookie: anon, 'x-csrf-token': csrf, 'content-type': 'application/json' });
  }

  private async post(path: string, body: unknown): Promise<string> {
    const r = await this.conn.send('POST', path, this.headers, JSON.stringify(body));
    if (r.status !== 200) throw new Error(`${path}: ${r.status} ${r.body.slice(0, 200)}`);
    if (!path.endsWith('/options') && !sessionSet(r.cookies)) throw new Error(`${path}: no session cookie set`);
    return r.body;
  }

  /** One sign-up ceremony (options, the authenticator's attestation, the answer): the new person's authenticator. */
  async signUp(): Promise<SoftAuthenticator> {
    const options = JSON.parse(await this.post('/api/v1/signup/options', {}));
    const t0 = process.hrtime.bigint();
    const authenticator = new SoftAuthenticator(this.origin);
    const response = authenticator.create(options);
    this.signingNs += process.hrtime.bigint() - t0;
    await this.post('/api/v1/signup', { response });
    return authenticator;
  }

  /** One sign-in ceremony (options, the authenticator's assertion, the answer); throws unless it set a session cookie. */
  async signIn(authenticator: SoftAuthenticator): Promise<true> {
    const options = JSON.parse(await this.post('/api/v1/signin/options', {}));
    const t0 = process.hrtime.bigint();
    const response = authenticator.get(options);
    this.signingNs += process.hrtime.bigint() - t0;
    await this.post('/api/v1/signin', { response });
    return true;
  }
}
