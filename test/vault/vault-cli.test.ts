import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../support/databases.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { runCli } from '../support/run-cli.js';
import { eventually } from '../cli/eventually.js';
import { vaultOf } from '../../src/vault/index.js';
import { KEY_PROVIDER, seedCredentials, type SeededCredential } from './keys-seed.js';

interface KeyStatus {
  kid: string;
  status: string;
  rows: number;
  createdAt: number;
  retiredAt: number | null;
  masterKid: string;
}

describe.each(dialects)('oauth3 vault status, rotate, reencrypt and retire beside a running gateway (%s)', (dialect) => {
  let app: TestApp;
  let env: Record<string, string>;
  let seeded: SeededCredential[];
  let firstKid: string;
  let secondKid: string;
  beforeAll(async () => {
    app = await startTestApp(dialect, { providers: [KEY_PROVIDER], keysPollMs: 200 });
    env = {
      OAUTH3_DATA_DIR: app.config.dataDir,
      OAUTH3_MASTER_KEY: app.config.masterKey!,
      OAUTH3_PROVIDERS: JSON.stringify([KEY_PROVIDER]),
      ...(app.config.databaseUrl ? { DATABASE_URL: app.config.databaseUrl } : {}),
    };
    firstKid = vaultOf(app.ctx).ring.primaryKid;
    seeded = await seedCredentials(app.ctx.db, vaultOf(app.ctx).ring, 1200);
  });
  afterAll(() => app?.stop());

  const cli = (...args: string[]) => runCli(args, env, 120_000);
  const status = async (): Promise<KeyStatus[]> => {
    const r = await cli('vault', 'status', '--json');
    expect(r.code, r.stderr).toBe(0);
    return JSON.parse(r.stdout);
  };
  const readAll = async () => {
    const wrong: string[] = [];
    for (const s of seeded) {
      const c = await vaultOf(app.ctx).credentialFor(s.userId, KEY_PROVIDER.id, { server: 'apikey:cli-test' });
      if (c.values?.api_key !== s.value) wrong.push(s.id);
    }
    return wrong;
  };

  it('status lists each key with its rows, the primary and the last rotation (text and --json)', async () => {
    expect(await status()).toEqual([
      { kid: firstKid, status: 'primary', rows: 1200, createdAt: expect.any(Number), retiredAt: null, masterKid: app.ctx.masterKey.id },
    ]);
    const text = await cli('vault', 'status');
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(
      new RegExp(`^KID\\s+STATUS\\s+ROWS\\s+CREATED\\s+RETIRED\\s+MASTER KEY\\n${firstKid}\\s+primary\\s+1200\\s`),
    );
    expect(text.stdout).toMatch(new RegExp(`\\nprimary ${firstKid}, last rotation \\S`));
    expect(text.stdout).not.toContain('run oauth3 vault reencrypt');
  }, 240_000);

  it('rotate makes a new primary that the running gateway seals with within seconds; the old key keeps opening', async () => {
    const r = await cli('vault', 'rotate');
    expect(r.code, r.stderr).toBe(0);
    secondKid = r.stdout.trim();
    expect(secondKid).toMatch(/^[\w-]{12}$/);
    const exited = Date.now();
    expect(await eventually(() => vaultOf(app.ctx).ring.primaryKid === secondKid, 5000)).toBe(true);
    expect(Date.now() - exited).toBeLessThan(2000); // OAUTH3_KEYS_POLL_MS is 200 here
    const [fresh] = await seedCredentials(app.ctx.db, vaultOf(app.ctx).ring, 1, KEY_PROVIDER.id);
    const row = await app.ctx.db.selectFrom('vault_connections').select('key_id').where('id', '=', fresh.id).executeTakeFirstOrThrow();
    expect(row.key_id).toBe(secondKid);
    seeded.push(fresh);
    expect(await readAll()).toEqual([]);
    const audited = await app.ctx.db.selectFrom('audit_events').select('target_id').where('action', '=', 'vault.key_rotated').execute();
    expect(audited.map((e) => e.target_id)).toContain(secondKid);

    const listed = await status();
    expect(listed.map((k) => [k.kid, k.status, k.rows])).toEqual([
      [secondKid, 'primary', 1],
      [firstKid, 'active', 1200],
    ]);
    expect((await cli('vault', 'status')).stdout).toContain('; 1200 credentials on older keys: run oauth3 vault reencrypt');
  }, 240_000);

  it('retire refuses a key rows still use, the primary and an unknown kid', async () => {
    const inUse = await cli('vault', 'retire', '--', firstKid);
    expect(inUse.code).not.toBe(0);
    expect(inUse.stderr).toContain(`oauth3: 1200 credentials are still sealed under ${firstKid}: run oauth3 vault reencrypt first`);
    const primary = await cli('vault', 'retire', '--', secondKid);
    expect(primary.code).not.toBe(0);
    expect(primary.stderr).toContain(`oauth3: ${secondKid} is the primary key: rotate first (oauth3 vault rotate)`);
    const unknown = await cli('vault', 'retire', 'nokeylikethis');
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain('oauth3: no such key: nokeylikethis');
    expect((await status()).map((k) => k.status)).toEqual(['primary', 'active']); // nothing changed
  }, 240_000);

  it('reencrypt moves every row to the primary with a progress bar, changing no value; a second run re-seals none', async () => {
    const r = await cli('vault', 'reencrypt', '--batch', '100');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(`re-sealed 1200 credentials under ${secondKid}\n`);
    expect(r.stderr).toMatch(/reencrypt \[#{24}\] 1200\/1200 rows, \d+ rows\/s, 0 s left\n$/);
    expect((await status()).map((k) => [k.kid, k.rows])).toEqual([
      [secondKid, 1201],
      [firstKid, 0],
    ]);
    expect(await readAll()).toEqual([]);

    const again = await cli('vault', 'reencrypt');
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toBe(`re-sealed 0 credentials under ${secondKid}\n`);
    const bad = await cli('vault', 'reencrypt', '--batch', '0');
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('oauth3: --batch must be a whole number in 1..10000');
  }, 240_000);

  it('retire works once no row uses the key: it opens nothing any more, in the gateway too', async () => {
    const r = await cli('vault', 'retire', '--', firstKid);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(`retired ${firstKid}\n`);
    const listed = await status();
    expect(listed.find((k) => k.kid === firstKid)).toMatchObject({ status: 'retired', rows: 0, retiredAt: expect.any(Number) });
    expect((await cli('vault', 'status')).stdout).toMatch(new RegExp(`${firstKid}\\s+retired\\s+0\\s`));
    const ring = vaultOf(app.ctx).ring as unknown as { keys: Map<string, unknown> };
    expect(await eventually(() => !ring.keys.has(firstKid), 5000)).toBe(true); // the gateway dropped it within a poll
    expect(await readAll()).toEqual([]);
  }, 240_000);
});
