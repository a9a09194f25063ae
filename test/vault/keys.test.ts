import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects, freshDatabase } from '../support/databases.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { createTestUser } from '../support/test-user.js';
import { eventually } from '../cli/eventually.js';
import { DataKeyRing, DataKeyError, symmetricKey } from '../../src/crypto/index.js';
import { vaultOf, reencrypt, rowsPerKey } from '../../src/vault/index.js';
import { openDatabase, migrateModules } from '../../src/store/index.js';
import { BUILTIN_MIGRATIONS } from '../support/builtin-migrations.js';
import { KEY_PROVIDER } from './keys-seed.js';

const sameDatabase = (app: TestApp) => ({
  dataDir: app.config.dataDir,
  databaseUrl: app.config.databaseUrl,
  masterKey: app.config.masterKey,
  providers: [KEY_PROVIDER],
});
const reader = { server: 'apikey:keys-test' };

describe.each(dialects)('vault data keys on %s', (dialect) => {
  let a: TestApp;
  let b: TestApp;
  beforeAll(async () => {
    a = await startTestApp(dialect, { providers: [KEY_PROVIDER], keysPollMs: 100 });
    b = await startTestApp(dialect, { ...sameDatabase(a), keysPollMs: 100 }); // a second instance on the same database
  });
  afterAll(async () => {
    await b?.stop();
    await a?.stop();
  });

  const connect = async (app: TestApp, value: string) => {
    const { userId } = await createTestUser(app);
    await vaultOf(app.ctx).store({
      userId,
      provider: KEY_PROVIDER.id,
      account: null,
      scopes: '',
      secret: { kind: 'key', values: { api_key: value } },
      expiresAt: null,
    });
    return userId;
  };
  const read = async (app: TestApp, userId: string) =>
    (await vaultOf(app.ctx).credentialFor(userId, KEY_PROVIDER.id, reader)).values?.api_key;

  it('makes the first data key once: a second gateway on the same database and a restart use it', async () => {
    const keys = await vaultOf(a.ctx).ring.list();
    expect(keys.map((k) => k.status)).toEqual(['primary']);
    expect(keys[0].masterKid).toBe(a.ctx.masterKey.id);
    expect(vaultOf(b.ctx).ring.primaryKid).toBe(keys[0].kid);
    const restarted = await startTestApp(dialect, sameDatabase(a));
    try {
      expect(vaultOf(restarted.ctx).ring.primaryKid).toBe(keys[0].kid);
      expect((await vaultOf(restarted.ctx).ring.list()).length).toBe(1);
    } finally {
      await restarted.stop();
    }
    const made = await a.ctx.db.selectFrom('audit_events').select('target_id').where('action', '=', 'vault.key_rotated').execute();
    expect(made.map((e) => e.target_id)).toEqual([keys[0].kid]); // audited once, by the start that made it
  });

  it('instances starting at once on a new database make one data key between them', async () => {
    const db = await freshDatabase(dialect);
    const masterKey = symmetricKey(randomBytes(32));
    const handles = [openDatabase(db), openDatabase(db), openDatabase(db)]; // three instances' connections
    try {
      await migrateModules(handles[0].db, BUILTIN_MIGRATIONS);
      const rings = handles.map((h) => new DataKeyRing(h.db, masterKey));
      const made = await Promise.all(rings.map((r) => r.init()));
      const keys = await rings[0].list();
      expect(keys.map((k) => k.status)).toEqual(['primary']);
      expect(made.filter(Boolean)).toEqual([keys[0].kid]); // exactly one of them made it (and audits it)
      for (const r of rings) expect(r.primaryKid).toBe(keys[0].kid);
      // Three rotations at once: three new keys, one primary. (On SQLite, in one process, a second connection's
      // write would wait synchronously for the first's transaction, which waits for the event loop: processes only.)
      if (dialect === 'postgres') {
        await Promise.all(rings.map((r) => r.rotate()));
        expect((await rings[0].list()).map((k) => k.status).sort()).toEqual(['active', 'active', 'active', 'primary']);
      }
    } finally {
      await Promise.all(handles.map((h) => h.db.destroy()));
    }
  });

  it('rotates: a new primary seals, the previous key keeps opening, every instance sees it within a poll', async () => {
    const oldKid = vaultOf(a.ctx).ring.primaryKid;
    const before = await connect(a, 'value-before');
    const t0 = Date.now();
    const newKid = await vaultOf(b.ctx).ring.rotate(); // the other instance rotates
    expect(newKid).not.toBe(oldKid);
    expect(await eventually(() => vaultOf(a.ctx).ring.primaryKid === newKid, 3000)).toBe(true);
    expect(Date.now() - t0).toBeLessThan(1500); // OAUTH3_KEYS_POLL_MS is 100 here
    const after = await connect(a, 'value-after');
    const rows = await a.ctx.db
      .selectFrom('vault_connections')
      .select(['user_id', 'key_id'])
      .where('user_id', 'in', [before, after])
      .execute();
    expect(Object.fromEntries(rows.map((r) => [r.user_id, r.key_id]))).toEqual({ [before]: oldKid, [after]: newKid });
    for (const app of [a, b]) {
      expect(await read(app, before)).toBe('value-before');
      expect(await read(app, after)).toBe('value-after');
    }
    const statuses = Object.fromEntries((await vaultOf(a.ctx).ring.list()).map((k) => [k.kid, k.status]));
    expect(statuses).toMatchObject({ [oldKid]: 'active', [newKid]: 'primary' });
  });

  it('an instance that has not polled yet opens a row sealed under a key it does not know by reloading the ring', async () => {
    const slow = await startTestApp(dialect, { ...sameDatabase(a), keysPollMs: 600_000 });
    try {
      const newKid = await vaultOf(a.ctx).ring.rotate();
      const userId = await connect(a, 'sealed-under-a-new-key');
      expect(vaultOf(slow.ctx).ring.primaryKid).not.toBe(newKid); // it has not seen the rotation
      expect(await read(slow, userId)).toBe('sealed-under-a-new-key');
      expect(vaultOf(slow.ctx).ring.primaryKid).toBe(newKid); // the reload brought the new primary too
    } finally {
      await slow.stop();
    }
  });

  it('retire refuses the primary and a key rows still use; after reencrypt it retires, and the key opens nothing', async () => {
    const ring = vaultOf(a.ctx).ring;
    const oldKid = ring.primaryKid;
    const userId = await connect(a, 'moved-by-reencrypt');
    const sealedUnderOld = ring.seal('orphan', 'test:orphan');
    const newKid = await ring.rotate();
    const inUse = async (kid: string) => (await rowsPerKey(a.ctx.db)).get(kid) ?? 0;
    expect(await ring.retire(newKid, inUse)).toBe('primary');
    expect(await ring.retire(oldKid, inUse)).toBe('in-use');
    expect(await ring.retire('no-such-kid', inUse)).toBe('unknown');
    expect((await ring.open(sealedUnderOld, 'test:orphan')).toString()).toBe('orphan'); // still opens: not retired

    await reencrypt(a.ctx.db, ring);
    expect(await inUse(oldKid)).toBe(0);
    expect(await ring.retire(oldKid, inUse)).toBe('retired');
    expect(await ring.retire(oldKid, inUse)).toBe('unknown'); // once
    expect((await ring.list()).find((k) => k.kid === oldKid)).toMatchObject({ status: 'retired', retiredAt: expect.any(Number) });
    await expect(ring.open(sealedUnderOld, 'test:orphan')).rejects.toThrow(); // the attack: data of a retired key
    expect(
      await eventually(
        async () =>
          await vaultOf(b.ctx)
            .ring.open(sealedUnderOld, 'test:orphan')
            .then(
              () => false,
              () => true,
            ),
        3000,
      ),
    ).toBe(true);
    expect(await read(a, userId)).toBe('moved-by-reencrypt');
    expect(await read(b, userId)).toBe('moved-by-reencrypt');
  });

  it('a wrong master key opens no data key: the ring names the master key it needs and adds no key', async () => {
    const before = await a.ctx.db.selectFrom('vault_data_keys').selectAll().orderBy('kid').execute();
    const wrong = symmetricKey(randomBytes(32));
    const ring = new DataKeyRing(a.ctx.db, wrong);
    const err = await ring.init().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DataKeyError);
    expect((err as Error).message).toMatch(
      new RegExp(`sealed under master key ${a.ctx.masterKey.id}, but the configured master key is ${wrong.id}`),
    );
    expect(await a.ctx.db.selectFrom('vault_data_keys').selectAll().orderBy('kid').execute()).toEqual(before);
  });

  it('/health reports encryption failing when the data-key ring cannot open its canary', async () => {
    const ok = await fetch(`${b.url}/health`);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ status: 'healthy', encryption: 'operational' });
    const ring = vaultOf(b.ctx).ring as unknown as { primaryKey: unknown };
    const good = ring.primaryKey;
    ring.primaryKey = { id: (good as { id: string }).id, bytes: Buffer.alloc(3) }; // its key, corrupt in memory: it cannot seal
    try {
      const res = await fetch(`${b.url}/health`);
      expect(res.status).toBe(503);
      expect(await res.json()).toMatchObject({ status: 'unhealthy', database: 'connected', encryption: 'failing' });
    } finally {
      ring.primaryKey = good;
    }
    expect((await fetch(`${b.url}/health`)).status).toBe(200);
  });
});
