import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { dialects, freshDatabase } from '../support/databases.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { runCli } from '../support/run-cli.js';
import { freePort } from '../support/free-port.js';
import { parseMasterKey } from '../../src/crypto/index.js';
import { vaultOf } from '../../src/vault/index.js';
import { KEY_PROVIDER } from './keys-seed.js';

const newKey = () => randomBytes(32).toString('base64url');
const idOf = (key: string) => parseMasterKey(key, 'test').id;
const oauth3Lines = (stderr: string) =>
  stderr
    .trim()
    .split('\n')
    .filter((l) => l.startsWith('oauth3:'));

describe.each(dialects)('master key rotation: OAUTH3_MASTER_KEY_PREVIOUS, oauth3 master-key rewrap, a wrong key (%s)', (dialect) => {
  it('starts with the previous key beside the new one, rewraps everything, then starts with the new key alone', async () => {
    const db = await freshDatabase(dialect);
    const oldKey = newKey();
    const newer = newKey();
    const port = await freePort(); // one issuer across the restarts: a token signed before verifies after
    const start = (masterKey: string, masterKeyPrevious?: string) =>
      startTestApp(dialect, { ...db, port, masterKey, masterKeyPrevious, providers: [KEY_PROVIDER] });
    const cliEnv = (masterKey: string, previous?: string) => ({
      OAUTH3_DATA_DIR: db.dataDir,
      OAUTH3_MASTER_KEY: masterKey,
      ...(previous ? { OAUTH3_MASTER_KEY_PREVIOUS: previous } : {}),
      OAUTH3_PROVIDERS: JSON.stringify([KEY_PROVIDER]),
      ...(db.databaseUrl ? { DATABASE_URL: db.databaseUrl } : {}),
    });
    const read = (app: TestApp, userId: string) =>
      vaultOf(app.ctx)
        .credentialFor(userId, KEY_PROVIDER.id, { server: 'apikey:mk-test' })
        .then((c) => c.values?.api_key);

    // Under the old master key: a signing key, a data key, a credential.
    let app = await start(oldKey);
    const userId = 'usr_master_key_test';
    await app.ctx.db
      .insertInto('users')
      .values({
        id: userId,
        webauthn_user_id: 'wa-mk',
        username: null,
        username_key: null,
        email: null,
        phone: null,
        wallet: null,
        created_at: 1,
        updated_at: 1,
      })
      .execute();
    await vaultOf(app.ctx).store({
      userId,
      provider: KEY_PROVIDER.id,
      account: null,
      scopes: '',
      secret: { kind: 'key', values: { api_key: 'kept-across' } },
      expiresAt: null,
    });
    const signedBefore = app.ctx.tokens.issueSession({ userId, sessionId: 's-mk', ttl: 600 }).token;
    await app.stop();

    // The new key, with the old one beside it: the start opens everything, and what is new is sealed under the new key.
    app = await start(newer, oldKey);
    try {
      expect(await read(app, userId)).toBe('kept-across');
      expect((await app.ctx.tokens.verify(signedBefore)).tokenId).toBe('s-mk');
      const kid = await vaultOf(app.ctx).ring.rotate();
      expect((await vaultOf(app.ctx).ring.list()).map((k) => [k.kid === kid, k.masterKid])).toEqual([
        [true, idOf(newer)],
        [false, idOf(oldKey)],
      ]);
    } finally {
      await app.stop();
    }

    const rewrap = await runCli(['master-key', 'rewrap'], cliEnv(newer, oldKey), 120_000);
    expect(rewrap.code, rewrap.stderr).toBe(0);
    expect(rewrap.stdout).toBe(
      `re-sealed 1 signing keys and 1 vault data keys under master key ${idOf(newer)}; OAUTH3_MASTER_KEY_PREVIOUS can now be removed\n`,
    );
    const again = await runCli(['master-key', 'rewrap'], cliEnv(newer, oldKey), 120_000);
    expect(again.stdout).toMatch(/^re-sealed 0 signing keys and 0 vault data keys under master key /);

    // The new key alone.
    app = await start(newer);
    try {
      expect(await read(app, userId)).toBe('kept-across');
      expect((await app.ctx.tokens.verify(signedBefore)).tokenId).toBe('s-mk');
      expect(new Set((await vaultOf(app.ctx).ring.list()).map((k) => k.masterKid))).toEqual(new Set([idOf(newer)]));
      const rewrapped = await app.ctx.db
        .selectFrom('audit_events')
        .select('detail')
        .where('action', '=', 'vault.master_key_rewrapped')
        .execute();
      expect(rewrapped.map((e) => JSON.parse(e.detail))).toEqual([
        { signingKeys: 1, dataKeys: 1 },
        { signingKeys: 0, dataKeys: 0 },
      ]);
    } finally {
      await app.stop();
    }

    // The old key alone no longer opens anything: the start fails naming the key it needs.
    const old = await runCli(['vault', 'status'], cliEnv(oldKey), 120_000);
    expect(old.code).not.toBe(0);
    expect(oauth3Lines(old.stderr)).toEqual([
      expect.stringContaining(`is encrypted under master key ${idOf(newer)}, but the configured master key is ${idOf(oldKey)}`),
    ]);
  }, 300_000);

  it('a wrong master key stops the start at once, naming the key it expected, and overwrites nothing', async () => {
    const db = await freshDatabase(dialect);
    const right = newKey();
    const app = await startTestApp(dialect, { ...db, masterKey: right, providers: [KEY_PROVIDER] });
    await vaultOf(app.ctx).ring.rotate(); // two data keys, so there is more to overwrite
    await app.stop();
    const env = (masterKey: string, previous?: string) => ({
      OAUTH3_DATA_DIR: db.dataDir,
      OAUTH3_MASTER_KEY: masterKey,
      ...(previous ? { OAUTH3_MASTER_KEY_PREVIOUS: previous } : {}),
      ...(db.databaseUrl ? { DATABASE_URL: db.databaseUrl } : {}),
    });
    const snapshot = async () => {
      const probe = await startTestApp(dialect, { ...db, masterKey: right });
      try {
        return {
          signing: await probe.ctx.db.selectFrom('signing_keys').selectAll().orderBy('kid').execute(),
          data: await probe.ctx.db.selectFrom('vault_data_keys').selectAll().orderBy('kid').execute(),
        };
      } finally {
        await probe.stop();
      }
    };
    const before = await snapshot();
    const wrong = newKey();
    for (const [args, e] of [
      [['master-key', 'rewrap'], env(wrong)],
      [['vault', 'rotate'], env(wrong)],
      [['master-key', 'rewrap'], env(newKey(), wrong)], // a wrong previous key does not help
    ] as const) {
      const t0 = Date.now();
      const r = await runCli([...args], e, 120_000);
      expect(r.code).not.toBe(0);
      const lines = oauth3Lines(r.stderr);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(new RegExp(`encrypted under master key ${idOf(right)}, but the configured master key is \\S+`));
      expect(Date.now() - t0).toBeLessThan(60_000);
    }
    expect(await snapshot()).toEqual(before); // the rows' bytes, unchanged
  }, 300_000);
});
