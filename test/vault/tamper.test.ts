import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../support/databases.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { createTestUser } from '../support/test-user.js';
import { runCli } from '../support/run-cli.js';
import { createLogger } from '../../src/server/index.js';
import { AppError } from '../../src/errors/index.js';
import { vaultOf } from '../../src/vault/index.js';
import { newApiKey, serverApi } from './server-api-helpers.js';
import { KEY_PROVIDER } from './keys-seed.js';

const OTHER_PROVIDER = { preset: 'http_api_key', id: 'keyed-too' };

/** Changes one character of part `n` of a sealed value `v1.<kid>.<iv>.<ciphertext>.<tag>`. */
const flip = (sealed: string, n: number): string => {
  const parts = sealed.split('.');
  const p = parts[n];
  parts[n] = (p[0] === 'A' ? 'B' : 'A') + p.slice(1);
  return parts.join('.');
};

describe.each(dialects)('a tampered or moved credential does not open (%s)', (dialect) => {
  let app: TestApp;
  let server: { key: string; server: string };
  const logs: string[] = [];
  const secrets: string[] = [];
  beforeAll(async () => {
    const stream = new Writable({
      write(chunk, _enc, cb) {
        logs.push(String(chunk));
        cb();
      },
    });
    app = await startTestApp(dialect, { providers: [KEY_PROVIDER, OTHER_PROVIDER] }, [], createLogger('trace', stream as never));
    server = await newApiKey(app, 'tamper-test');
  });
  afterAll(() => app?.stop());

  /** A person with a connection of `provider` holding a fresh secret value, which `server` may use. */
  const connect = async (provider = KEY_PROVIDER.id, userId?: string) => {
    userId ??= (await createTestUser(app)).userId;
    const value = `PLAINTEXT-${provider}-${Math.random().toString(36).slice(2)}`;
    secrets.push(value);
    await vaultOf(app.ctx).store({
      userId,
      provider,
      account: null,
      scopes: '',
      secret: { kind: 'key', values: { api_key: value } },
      expiresAt: null,
    });
    await vaultOf(app.ctx).allow(userId, provider, server.server);
    const row = (await vaultOf(app.ctx).connection(userId, provider))!;
    return { userId, value, row };
  };
  const token = (userId: string, provider = KEY_PROVIDER.id) =>
    serverApi(app, 'POST', '/auth/token', { key: server.key, body: { user_id: userId, provider } });
  const setSealed = (id: string, secret_sealed: string) =>
    app.ctx.db.updateTable('vault_connections').set({ secret_sealed }).where('id', '=', id).execute();
  const refusedInProcess = async (userId: string, provider = KEY_PROVIDER.id) => {
    const err = await vaultOf(app.ctx)
      .credentialFor(userId, provider, { server: server.server })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('ERR_VAULT_DECRYPT');
  };
  const expectDecryptRefusal = async (userId: string, provider = KEY_PROVIDER.id, leaked?: string) => {
    const res = await token(userId, provider);
    expect(res.status).toBe(500);
    expect(res.body.error).toBe('ERR_VAULT_DECRYPT');
    expect(JSON.stringify(res.body)).not.toContain('PLAINTEXT');
    if (leaked) expect(JSON.stringify(res.body)).not.toContain(leaked);
    await refusedInProcess(userId, provider);
  };

  it('serves an untouched credential', async () => {
    const { userId, value } = await connect();
    const res = await token(userId);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.values).toEqual({ api_key: value });
  });

  it('refuses a ciphertext changed in its iv, ciphertext, tag or key id: ERR_VAULT_DECRYPT', async () => {
    const rotatedFrom = vaultOf(app.ctx).ring.primaryKid;
    await vaultOf(app.ctx).ring.rotate(); // a key id swapped for another key the ring has must not open it either
    for (const part of [2, 3, 4]) {
      const { userId, row } = await connect();
      await setSealed(row.id, flip(row.secret_sealed, part));
      await expectDecryptRefusal(userId);
    }
    const { userId, row } = await connect();
    const parts = row.secret_sealed.split('.');
    parts[1] = rotatedFrom;
    await setSealed(row.id, parts.join('.'));
    await expectDecryptRefusal(userId);
    await setSealed(row.id, 'not a sealed value');
    await expectDecryptRefusal(userId);
  });

  it("refuses a sealed value copied to another person's row, another provider's row or a new row", async () => {
    const a = await connect();
    const b = await connect();
    await setSealed(b.row.id, a.row.secret_sealed); // B's row now holds A's ciphertext
    await expectDecryptRefusal(b.userId, KEY_PROVIDER.id, a.value);

    const aOther = await connect(OTHER_PROVIDER.id, a.userId); // A's connection of another provider
    await setSealed(aOther.row.id, a.row.secret_sealed);
    await expectDecryptRefusal(a.userId, OTHER_PROVIDER.id, a.value);

    // A's row deleted and put back under another id (a restore into the wrong row)
    await app.ctx.db.deleteFrom('vault_connections').where('id', '=', a.row.id).execute();
    await app.ctx.db
      .insertInto('vault_connections')
      .values({ ...a.row, id: `${a.row.id}x` })
      .execute();
    await expectDecryptRefusal(a.userId, KEY_PROVIDER.id, a.value);

    const intact = await connect(); // the others are untouched
    expect((await token(intact.userId)).body.values).toEqual({ api_key: intact.value });
  });

  it('reencrypt re-seals the rest, names the rows it cannot open and leaves them on their key, so retire refuses it', async () => {
    const env = {
      OAUTH3_DATA_DIR: app.config.dataDir,
      OAUTH3_MASTER_KEY: app.config.masterKey!,
      OAUTH3_PROVIDERS: JSON.stringify([KEY_PROVIDER, OTHER_PROVIDER]),
      ...(app.config.databaseUrl ? { DATABASE_URL: app.config.databaseUrl } : {}),
    };
    const good = await connect();
    const bad = await connect();
    await setSealed(bad.row.id, flip(bad.row.secret_sealed, 3));
    const oldKid = vaultOf(app.ctx).ring.primaryKid;
    expect((await runCli(['vault', 'rotate'], env)).code).toBe(0);
    const r = await runCli(['vault', 'reencrypt'], env, 120_000);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(bad.row.id);
    expect(r.stderr).toMatch(/credentials could not be decrypted \(changed, or copied from another row\) and stay on their key/);
    const rows = await app.ctx.db
      .selectFrom('vault_connections')
      .select(['id', 'key_id'])
      .where('id', 'in', [good.row.id, bad.row.id])
      .execute();
    expect(Object.fromEntries(rows.map((x) => [x.id, x.key_id === oldKid]))).toEqual({ [good.row.id]: false, [bad.row.id]: true });
    const retire = await runCli(['vault', 'retire', '--', oldKid], env);
    expect(retire.code).not.toBe(0);
    expect(retire.stderr).toMatch(new RegExp(`credentials are still sealed under ${oldKid}`));
    expect((await token(good.userId)).body.values).toEqual({ api_key: good.value });
    for (const out of [r.stdout, r.stderr, retire.stderr]) for (const s of secrets) expect(out).not.toContain(s);
  }, 240_000);

  it('no plaintext reached a log line, while the refusals were logged', () => {
    const all = logs.join('');
    expect(all).toContain('ERR_VAULT_DECRYPT'); // the logs were captured
    for (const s of secrets) expect(all).not.toContain(s);
    expect(all).not.toContain('PLAINTEXT');
  });
});
