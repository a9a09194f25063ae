// SIGKILL after the upstream rotated the refresh token and before the gateway stored the new one (issue 19,
// Faults): the upstream (node-oidc-provider) handles the gateway's refresh, then holds its answer while the gateway
// is killed. The refresh token the gateway holds is now one the upstream consumed, and using it revokes the grant
// (RFC 9700 §4.14.2): no gateway can keep that connection, since the new token never reached it. It must stay whole
// and say so: the credential opens, the dead holder's lease is taken over, the one refresh tried answers 424
// ERR_VAULT_NEEDS_REAUTH (the person connects again), the connection is marked so and not tried again, no 5xx. Not a
// storage matter: on SQLite only.
import { afterEach, describe, expect, it } from 'vitest';
import { killAllGateways } from '../support/killable-gateway.js';
import { vaultUnderFaults } from './vault-faults.js';

afterEach(killAllGateways);

describe('SIGKILL while the upstream rotates the refresh token (on sqlite: the upstream’s side of it)', () => {
  const v = vaultUnderFaults('sqlite');

  it('leaves a credential that opens, and the next request answers 424 ERR_VAULT_NEEDS_REAUTH, not a 5xx', async () => {
    const { s } = v;
    const c = await v.expiredConnection();
    const before = await v.stored(c.connectionId);
    await s.gateway.start();
    s.up.resetCounts();
    s.up.holdTokenAnswers(3000); // the upstream rotates the refresh token, then holds its answer: the gateway is killed first
    const cut = v.serve(c.userId).then(
      () => 'answered',
      () => 'cut',
    );
    for (let i = 0; i < 200 && s.up.tokenRequests('refresh_token') === 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect(s.up.tokenRequests('refresh_token')).toBe(1); // the upstream rotated it, and holds the answer
    expect((await v.stored(c.connectionId)).row.lease_until).not.toBeNull(); // the gateway's refresh is under way
    await s.gateway.kill();
    expect(await cut).toBe('cut');
    s.up.restore();
    const held = await v.stored(c.connectionId);
    expect(held.secret.refresh_token).toBe(before.secret.refresh_token); // the gateway still holds the one it sent …
    expect((await s.up.refreshTokens()).find((t) => t.jti === held.secret.refresh_token)?.consumed).toBe(true); // … now used

    await s.gateway.start();
    const answer = await v.serve(c.userId); // waits out the dead holder's lease, then tries the used token once
    expect([answer.status, answer.body.error]).toEqual([424, 'ERR_VAULT_NEEDS_REAUTH']);
    expect(s.up.tokenRequests('refresh_token')).toBe(2);
    const after = await v.stored(c.connectionId); // still opens
    expect(after.row.status).toBe('needs_reauth');
    expect(after.row.lease_until).toBeNull();
    const again = await v.serve(c.userId);
    expect([again.status, again.body.error]).toEqual([424, 'ERR_VAULT_NEEDS_REAUTH']);
    expect(s.up.tokenRequests('refresh_token')).toBe(2); // final: not tried again
    const events = await s.setup.ctx.db
      .selectFrom('audit_events')
      .select('action')
      .where('target_id', '=', c.connectionId)
      .where('action', 'like', 'vault.%')
      .execute();
    expect(events.map((e) => e.action)).toContain('vault.needs_reauth');
    await s.gateway.kill();
  }, 120_000);
});
