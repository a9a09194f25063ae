import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { runCli } from '../support/run-cli.js';
import { CeremonyClient } from '../accounts/ceremony-client.js';

describe('oauth3 invite', () => {
  let app: TestApp;
  let env: Record<string, string>;
  beforeAll(async () => {
    app = await startTestApp('sqlite', { signup: 'invite' });
    env = {
      OAUTH3_DATA_DIR: app.config.dataDir,
      OAUTH3_MASTER_KEY: app.config.masterKey!,
      OAUTH3_PUBLIC_URL: app.url,
      OAUTH3_SIGNUP: 'invite',
    };
  });
  afterAll(() => app?.stop());

  it('prints a single-use link that a running gateway accepts once; a bad --expires is refused', async () => {
    const [made, bad, tooLong] = await Promise.all([
      runCli(['invite', '--expires', '1h'], env),
      runCli(['invite', '--expires', 'soon'], env),
      runCli(['invite', '--expires', '91d'], env),
    ]);
    expect(made.code, made.stderr).toBe(0);
    const link = new URL(made.stdout.trim());
    expect(link.origin + link.pathname).toBe(`${app.url}/signup`);
    expect(link.searchParams.get('invite_token')).toMatch(/^o3i_[\w-]{43}$/);
    expect(made.stderr).toMatch(/^valid once, until \d{4}-\d\d-\d\dT/m);
    for (const r of [bad, tooLong]) {
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^oauth3: --expires: ".+" is not a duration like 30m, 12h or 7d \(at most 90d\)\n$/);
    }

    const browser = new CeremonyClient(app.url);
    expect((await browser.page(link.pathname + link.search)).status).toBe(303);
    const { userId } = await browser.signUp();
    expect(userId).toMatch(/^usr_/);
    expect((await new CeremonyClient(app.url).page(link.pathname + link.search)).status).toBe(403); // replayed
  }, 90_000);
});
