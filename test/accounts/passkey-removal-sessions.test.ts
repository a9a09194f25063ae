import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../support/databases.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { CeremonyClient } from './ceremony-client.js';
import { SoftAuthenticator } from './soft-authenticator.js';

describe.each(dialects)('removing a passkey ends the sessions it opened on %s', (dialect) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp(dialect);
  });
  afterAll(() => app.stop());

  const signedIn = async (c: CeremonyClient) => (await c.send('GET', '/api/v1/me')).status;

  it('signs out every device the removed passkey signed in, keeps the others and the one removing it', async () => {
    // Laptop signs up with passkey A, adds passkey B; a phone signs in with A (the lost device), a tablet with B.
    const laptop = new CeremonyClient(app.url);
    const { authenticator: a, userId } = await laptop.signUp();
    const b = new SoftAuthenticator(app.url);
    const options = (await laptop.send('POST', '/api/v1/me/passkeys/options', {})).json;
    expect((await laptop.send('POST', '/api/v1/me/passkeys', { response: b.create(options) })).status).toBe(201);
    const phone = new CeremonyClient(app.url);
    expect((await phone.signIn(a)).status).toBe(200);
    const tablet = new CeremonyClient(app.url);
    expect((await tablet.signIn(b)).status).toBe(200);

    // From the laptop (itself opened with A), remove A.
    const removal = await laptop.send('DELETE', `/api/v1/me/passkeys/${encodeURIComponent(a.id)}`);
    expect(removal.status).toBe(204);
    expect(await signedIn(phone)).toBe(401);
    expect(await signedIn(laptop)).toBe(200);
    expect(await signedIn(tablet)).toBe(200);
    // The removed passkey cannot sign in again either.
    expect((await new CeremonyClient(app.url).signIn(a)).status).not.toBe(200);

    await app.ctx.audit.flush();
    const events = await app.ctx.db
      .selectFrom('audit_events')
      .select(['action', 'detail'])
      .where('user_id', '=', userId)
      .where('action', 'in', ['passkey.removed', 'session.revoked'])
      .orderBy('id')
      .execute();
    expect(events.map((e) => e.action)).toEqual(['session.revoked', 'passkey.removed']);
    expect(JSON.parse(events[0].detail)).toEqual({ reason: 'passkey removed' });
    expect(JSON.parse(events[1].detail)).toMatchObject({ endedSessions: 1 });
  });
});
