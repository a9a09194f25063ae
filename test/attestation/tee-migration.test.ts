import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase } from '../support/databases.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { createTestUser } from '../support/test-user.js';
import { runCli } from '../support/run-cli.js';
import { startDstackGuest, type DstackGuest } from '../support/dstack-guest.js';
import { teeOf } from '../../src/attestation/index.js';
import { startBanner, startNotice } from '../../src/server/start-notice.js';
import { vaultOf } from '../../src/vault/index.js';
import { KEY_PROVIDER } from '../vault/keys-seed.js';

const read = (app: TestApp, userId: string) =>
  vaultOf(app.ctx)
    .credentialFor(userId, KEY_PROVIDER.id, { server: 'apikey:tee-migration' })
    .then((c) => c.values?.api_key);

const statementOf = async (app: TestApp) =>
  ((await (await fetch(`${app.url}/.well-known/oauth3-attestation`)).json()) as { statement: { master_key: string } }).statement;

describe('moving a gateway into a TEE: the old key as OAUTH3_MASTER_KEY_PREVIOUS, rewrap, then the derived key alone', () => {
  let guest: DstackGuest;
  let db: { dataDir: string; databaseUrl?: string };
  const oldKey = randomBytes(32).toString('base64url');
  let userId: string;
  beforeAll(async () => {
    guest = await startDstackGuest();
    db = await freshDatabase('sqlite');
    const outside = await startTestApp('sqlite', { ...db, masterKey: oldKey, providers: [KEY_PROVIDER], tee: 'off' });
    try {
      ({ userId } = await createTestUser(outside));
      await vaultOf(outside.ctx).store({
        userId,
        provider: KEY_PROVIDER.id,
        account: null,
        scopes: '',
        secret: { kind: 'key', values: { api_key: 'sealed-outside' } },
        expiresAt: null,
      });
    } finally {
      await outside.stop();
    }
  });
  afterAll(async () => {
    await guest?.close();
  });

  it('in the TEE without the old key, the start fails: the data is sealed under a key the TEE does not derive', async () => {
    const message = await startTestApp('sqlite', {
      ...db,
      masterKey: undefined,
      providers: [KEY_PROVIDER],
      dstackEndpoint: guest.socket,
    }).then(
      async (app) => {
        await app.stop();
        return 'started';
      },
      (e: unknown) => (e as Error).message,
    );
    expect(message).toMatch(
      /is (encrypted|sealed) under master key .*, but the master key this TEE derives is .*: the data was sealed under another key/,
    );
    expect(message).toContain('start once with the old key as OAUTH3_MASTER_KEY_PREVIOUS and OAUTH3_TEE_ALLOW_CONFIGURED_MASTER_KEY=true');
    expect(message).not.toMatch(/set OAUTH3_MASTER_KEY to/);
  });

  it('with the old key as previous (allowed explicitly) it opens the data and says master_key "configured"; after rewrap the derived key alone does', async () => {
    const withPrevious = await startTestApp(
      'sqlite',
      { ...db, masterKey: undefined, masterKeyPrevious: oldKey, providers: [KEY_PROVIDER], dstackEndpoint: guest.socket },
      [],
      undefined,
      { OAUTH3_TEE_ALLOW_CONFIGURED_MASTER_KEY: 'true' },
    );
    const derived = withPrevious.ctx.masterKey.id;
    try {
      expect(await read(withPrevious, userId)).toBe('sealed-outside');
      expect(await statementOf(withPrevious)).toMatchObject({ master_key: 'configured' });
      // the start banner says the same: not "nobody holds it" while the operator's old key still opens the data
      const banner = startBanner(await startNotice(withPrevious.ctx, withPrevious.url));
      expect(banner.join('\n')).not.toContain('nobody holds it');
      expect(banner).toContain(
        '  master key  derived in the TEE, but OAUTH3_MASTER_KEY_PREVIOUS, which you hold, still opens older data: `oauth3 master-key rewrap`, then remove it',
      );
    } finally {
      await withPrevious.stop();
    }

    const rewrap = await runCli(
      ['master-key', 'rewrap'],
      {
        OAUTH3_DATA_DIR: db.dataDir,
        OAUTH3_MASTER_KEY_PREVIOUS: oldKey,
        OAUTH3_TEE_ALLOW_CONFIGURED_MASTER_KEY: 'true',
        OAUTH3_DSTACK_ENDPOINT: guest.socket,
        OAUTH3_PROVIDERS: JSON.stringify([KEY_PROVIDER]),
      },
      120_000,
    );
    expect(rewrap.code, rewrap.stderr).toBe(0);
    expect(rewrap.stdout).toMatch(new RegExp(`under master key ${derived}; OAUTH3_MASTER_KEY_PREVIOUS can now be removed`));

    const inTee = await startTestApp('sqlite', { ...db, masterKey: undefined, providers: [KEY_PROVIDER], dstackEndpoint: guest.socket });
    try {
      expect(inTee.ctx.masterKey.id).toBe(derived);
      expect(teeOf(inTee.ctx)).toMatchObject({ inTee: true, masterKeySource: 'tee' });
      expect(await read(inTee, userId)).toBe('sealed-outside');
      expect(await statementOf(inTee)).toMatchObject({ master_key: 'tee' });
    } finally {
      await inTee.stop();
    }
  });
});
