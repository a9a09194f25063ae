import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../support/databases.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { CeremonyClient } from './ceremony-client.js';
import { SoftAuthenticator } from './soft-authenticator.js';

// A passkey is the account's only factor: an authenticator that did not verify the person (no PIN, no
// biometrics, the UV flag clear) proves only possession, so both ceremonies require user verification.
describe.each(dialects)('passkey user verification on %s', (dialect) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp(dialect);
  });
  afterAll(() => app.stop());

  it('asks for user verification in the options of both ceremonies', async () => {
    const c = new CeremonyClient(app.url);
    await c.page('/signup');
    const signup = (await c.send('POST', '/api/v1/signup/options', {})).json;
    expect(signup.authenticatorSelection.userVerification).toBe('required');
    await c.page('/login');
    const signin = (await c.send('POST', '/api/v1/signin/options', {})).json;
    expect(signin.userVerification).toBe('required');
  });

  it('refuses a sign-up answered without user verification, and creates no account', async () => {
    const c = new CeremonyClient(app.url);
    await c.page('/signup');
    const authenticator = new SoftAuthenticator(app.url);
    const options = (await c.send('POST', '/api/v1/signup/options', {})).json;
    const r = await c.send('POST', '/api/v1/signup', { response: authenticator.create(options, { userVerified: false }) });
    expect(r.status).toBe(401);
    expect(r.json.error).toBe('ERR_ACCOUNTS_WEBAUTHN_FAILED');
    expect(r.json.message).toMatch(/user could not be verified/i);
    expect(c.cookies.get('oauth3_session')).toBeUndefined();
    expect(await app.ctx.db.selectFrom('passkeys').select('id').where('id', '=', authenticator.id).executeTakeFirst()).toBeUndefined();
  });

  it('refuses a sign-in answered without user verification, and accepts the same passkey once it verifies', async () => {
    const { authenticator } = await new CeremonyClient(app.url).signUp();
    const attacker = new CeremonyClient(app.url);
    const refused = await attacker.signIn(authenticator, { userVerified: false });
    expect(refused.status).toBe(401);
    expect(refused.json.error).toBe('ERR_ACCOUNTS_WEBAUTHN_FAILED');
    expect(refused.json.message).toMatch(/user could not be verified/i);
    expect(attacker.cookies.get('oauth3_session')).toBeUndefined();
    expect((await attacker.send('GET', '/api/v1/me')).status).toBe(401);

    const owner = new CeremonyClient(app.url);
    expect((await owner.signIn(authenticator)).status).toBe(200);
  });
});
