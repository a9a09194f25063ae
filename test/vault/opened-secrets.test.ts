import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { vaultOf } from '../../src/vault/index.js';
import { sealSecret, type CredentialSecret } from '../../src/vault/credential-secret.js';
import { OpenedSecrets } from '../../src/vault/opened-secrets.js';
import type { DataKeyRing } from '../../src/crypto/index.js';

// The vault keeps recently opened credentials in memory so that serving a token does not decrypt each time. What
// must hold: a changed row (tampered, copied to another row, re-sealed) is never answered from memory.
describe('recently opened credentials', () => {
  let app: TestApp;
  let ring: DataKeyRing;
  let opens = 0;
  beforeAll(async () => {
    app = await startTestApp('sqlite');
    const real = vaultOf(app.ctx).ring;
    ring = Object.create(real) as DataKeyRing;
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
    const cache = new OpenedSecrets(ring);
    const row = rowOf('vc_a');
    opens = 0;
    expect(await cache.open(row)).toEqual(secret);
    expect(await cache.open({ ...row })).toEqual(secret);
    expect(opens).toBe(1);
  });

  it('refuses a tampered ciphertext even after the original was opened', async () => {
    const cache = new OpenedSecrets(ring);
    const row = rowOf('vc_b');
    await cache.open(row);
    const flipped = row.secret_sealed.slice(0, -3) + (row.secret_sealed.endsWith('A') ? 'BBB' : 'AAA');
    await expect(cache.open({ ...row, secret_sealed: flipped })).rejects.toMatchObject({ code: 'ERR_VAULT_DECRYPT' });
  });

  it('refuses a ciphertext copied to another row, person or provider', async () => {
    const cache = new OpenedSecrets(ring);
    const row = rowOf('vc_c');
    await cache.open(row);
    await expect(cache.open({ ...row, id: 'vc_other' })).rejects.toMatchObject({ code: 'ERR_VAULT_DECRYPT' });
    await expect(cache.open({ ...row, user_id: 'usr_2' })).rejects.toMatchObject({ code: 'ERR_VAULT_DECRYPT' });
    await expect(cache.open({ ...row, provider: 'google' })).rejects.toMatchObject({ code: 'ERR_VAULT_DECRYPT' });
  });

  it('opens a re-sealed row afresh (a refresh or a reconnect changes the sealed value)', async () => {
    const cache = new OpenedSecrets(ring);
    await cache.open(rowOf('vc_d'));
    const next = { kind: 'oauth', access_token: 'gho_second', token_type: 'bearer' } as const;
    expect(await cache.open(rowOf('vc_d', next))).toEqual(next);
  });

  it('keeps at most `max` values and none past `ttlMs`', async () => {
    const small = new OpenedSecrets(ring, { max: 2, ttlMs: 60_000 });
    const [a, b, c] = ['vc_e1', 'vc_e2', 'vc_e3'].map((id) => rowOf(id));
    opens = 0;
    for (const r of [a!, b!, c!]) await small.open(r);
    await small.open(a!); // evicted as the oldest: opened again
    await small.open(c!); // still there
    expect(opens).toBe(4);
    const brief = new OpenedSecrets(ring, { max: 10, ttlMs: 1 });
    opens = 0;
    await brief.open(a!);
    await new Promise((r) => setTimeout(r, 5));
    await brief.open(a!);
    expect(opens).toBe(2);
  });

  it('answers a value the caller cannot change', async () => {
    const cache = new OpenedSecrets(ring);
    const row = rowOf('vc_f');
    const first = await cache.open(row);
    expect(() => ((first as { access_token: string }).access_token = 'changed')).toThrow();
    expect(await cache.open(row)).toEqual(secret);
    const keyed = { kind: 'key', values: { api_key: 'k1' } } as const;
    const opened = await cache.open(rowOf('vc_g', keyed));
    expect(() => ((opened as { values: Record<string, string> }).values.api_key = 'changed')).toThrow();
  });
});
