import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { vaultOf } from '../../src/vault/index.js';
import { openSecret, sealSecret, type CredentialSecret } from '../../src/vault/credential-secret.js';
import { RecentlyOpened, type Opener } from '../../src/crypto/index.js';

// The vault serves credentials through the values it opened recently, so that serving a token does not decrypt each
// time. What must hold: a changed row (tampered, copied to another row, re-sealed) is never answered from memory.
describe('recently opened credentials', () => {
  let app: TestApp;
  let ring: Opener & Parameters<typeof sealSecret>[0];
  let opens = 0;
  beforeAll(async () => {
    app = await startTestApp('sqlite');
    const real = vaultOf(app.ctx).ring;
    ring = Object.create(real) as typeof ring;
    ring.open = (sealed, aad) => {
      opens++;
      return real.open(sealed, aad);
    };
  });
  afterAll(() => app?.stop());

  const secret: CredentialSecret = { kind: 'oauth', access_token: 'gho_first', token_type: 'bearer' };
  const rowOf = (id: string, s: CredentialSecret = secret) => {
    const binding = { id, user_id: 'usr_1', provider: 'github' };
    return { ...binding, secret_sealed: sealSecret(ring, binding, s).sealed };
  };

  it('opens a sealed value once, then answers it from memory', async () => {
    const cache = new RecentlyOpened(ring);
    const row = rowOf('vc_a');
    opens = 0;
    expect(await openSecret(cache, row)).toEqual(secret);
    expect(await openSecret(cache, { ...row })).toEqual(secret);
    expect(opens).toBe(1);
  });

  it('refuses a tampered ciphertext even after the original was opened', async () => {
    const cache = new RecentlyOpened(ring);
    const row = rowOf('vc_b');
    await openSecret(cache, row);
    const flipped = row.secret_sealed.slice(0, -3) + (row.secret_sealed.endsWith('A') ? 'BBB' : 'AAA');
    await expect(openSecret(cache, { ...row, secret_sealed: flipped })).rejects.toMatchObject({ code: 'ERR_VAULT_DECRYPT' });
  });

  it('refuses a ciphertext copied to another row, person or provider', async () => {
    const cache = new RecentlyOpened(ring);
    const row = rowOf('vc_c');
    await openSecret(cache, row);
    for (const moved of [{ id: 'vc_other' }, { user_id: 'usr_2' }, { provider: 'google' }])
      await expect(openSecret(cache, { ...row, ...moved })).rejects.toMatchObject({ code: 'ERR_VAULT_DECRYPT' });
  });

  it('opens a re-sealed row afresh (a refresh or a reconnect changes the sealed value)', async () => {
    const cache = new RecentlyOpened(ring);
    await openSecret(cache, rowOf('vc_d'));
    const next = { kind: 'oauth', access_token: 'gho_second', token_type: 'bearer' } as const;
    expect(await openSecret(cache, rowOf('vc_d', next))).toEqual(next);
  });

  it('keeps at most `max` values and none past `ttlMs`', async () => {
    const small = new RecentlyOpened(ring, { max: 2, ttlMs: 60_000 });
    const [a, b, c] = ['vc_e1', 'vc_e2', 'vc_e3'].map((id) => rowOf(id));
    opens = 0;
    for (const r of [a!, b!, c!]) await openSecret(small, r);
    await openSecret(small, a!); // evicted as the oldest: opened again
    await openSecret(small, c!); // still there
    expect(opens).toBe(4);
    const brief = new RecentlyOpened(ring, { max: 10, ttlMs: 1 });
    opens = 0;
    await openSecret(brief, a!);
    await new Promise((r) => setTimeout(r, 5));
    await openSecret(brief, a!);
    expect(opens).toBe(2);
  });

  it('hands each caller its own copy: changing one answer does not change the next', async () => {
    const cache = new RecentlyOpened(ring);
    const row = rowOf('vc_f');
    (await cache.open(row.secret_sealed, `vault_connections:${row.id}:${row.user_id}:${row.provider}`)).fill(0);
    expect(await openSecret(cache, row)).toEqual(secret);
  });
});
