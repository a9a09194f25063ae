import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../support/databases.js';
import type { TestApp } from '../support/test-app.js';
import type { TestUser } from '../support/test-user.js';
import { startEchoProxyApp, type EchoProxyApp } from '../support/echo-proxy-app.js';
import { apiTokenOf, callAction } from '../support/plugin-call.js';
import { vaultOf } from '../../src/vault/index.js';

/**
 * The events that record no change of their own but must survive a crash right after the answer (issue 19,
 * Faults: every audit event acknowledged before a SIGKILL is there): an agent's call through the proxy and a
 * credential served by the vault are stored before the answer, not in the next audit batch. The batch interval is
 * ten minutes here, so an event left to the batch would not be found.
 */
describe.each(dialects)('events stored before the answer on %s', (dialect) => {
  let setup: EchoProxyApp;
  let app: TestApp;
  let user: TestUser;

  beforeAll(async () => {
    setup = await startEchoProxyApp(dialect, { auditFlushMs: 600_000 });
    ({ app, user } = setup);
  });
  afterAll(() => setup?.stop());

  const events = (action: string) =>
    app.ctx.db.selectFrom('audit_events').select('detail').where('action', '=', action).where('user_id', '=', user.userId).execute();

  it('proxy.called is in the database when the call is answered', async () => {
    const token = await apiTokenOf(app, user, ['echo.say']);
    const before = (await events('proxy.called')).length;
    const res = await callAction(app, 'echo/say', token, { text: 'durable' });
    expect(res.status).toBe(200);
    expect((await events('proxy.called')).length).toBe(before + 1);
    // a refused call's event too (its input fails the action's schema)
    const refused = await callAction(app, 'echo/say', token, { text: 42 });
    expect(refused.status).toBe(400);
    expect((await events('proxy.called')).length).toBe(before + 2);
  });

  it('vault.token_served is in the database when the credential is handed out', async () => {
    const before = (await events('vault.token_served')).length;
    const served = await vaultOf(app.ctx).credentialFor(user.userId, 'upstream', { server: 'apikey:durable-test', name: 'Durable test' });
    expect(served.accessToken).toEqual(expect.any(String));
    const after = await events('vault.token_served');
    expect(after.length).toBe(before + 1);
    expect(JSON.stringify(after)).not.toContain(served.accessToken!);
  });
});
