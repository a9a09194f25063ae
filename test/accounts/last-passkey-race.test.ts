import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { startTestApp } from '../support/test-app.js';
import { CeremonyClient } from './ceremony-client.js';
import { SoftAuthenticator } from './soft-authenticator.js';

describe('removing the last two passkeys at once (PostgreSQL, concurrent transactions)', () => {
  it('lets one removal through and refuses the other: an account never ends without a passkey', async () => {
    const app = await startTestApp('postgres');
    const blocker = new pg.Client({ connectionString: app.config.databaseUrl });
    try {
      const c = new CeremonyClient(app.url);
      const { authenticator, userId } = await c.signUp();
      const second = new SoftAuthenticator(app.url);
      const options = (await c.send('POST', '/api/v1/me/passkeys/options', {})).json;
      expect((await c.send('POST', '/api/v1/me/passkeys', { response: second.create(options) })).status).toBe(201);

      // Hold row locks on both passkeys: both removals read "2 passkeys" and queue on their DELETE unless
      // the account row lock serialises them first.
      await blocker.connect();
      await blocker.query('BEGIN');
      await blocker.query('SELECT id FROM passkeys WHERE user_id = $1 FOR UPDATE', [userId]);
      const removals = [authenticator.id, second.id].map((id) => c.send('DELETE', `/api/v1/me/passkeys/${encodeURIComponent(id)}`));
      await new Promise((r) => setTimeout(r, 300));
      await blocker.query('COMMIT');
      const statuses = (await Promise.all(removals)).map((r) => r.status).sort();
      expect(statuses).toEqual([204, 409]);
      expect((await c.send('GET', '/api/v1/me/passkeys')).json).toHaveLength(1);
    } finally {
      await blocker.end().catch(() => undefined);
      await app.stop();
    }
  });
});
