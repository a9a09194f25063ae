import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../support/databases.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { runCli, spawnCli } from '../support/run-cli.js';
import { eventually } from '../cli/eventually.js';
import { vaultOf, rowsPerKey } from '../../src/vault/index.js';
import { secretAad } from '../../src/vault/credential-secret.js';
import { newApiKey } from './server-api-helpers.js';
import { KEY_PROVIDER, seedCredentials, type SeededCredential } from './keys-seed.js';

const ROWS = 10_000;
const CLIENTS = 4;

/** Four clients asking /auth/token for random seeded credentials, back to back, until stopped; every answer checked. */
function readContinuously(app: TestApp, key: string, seeded: SeededCredential[]) {
  let running = true;
  const reads = Array.from({ length: CLIENTS }, () => 0);
  const failures: string[] = [];
  const loops = reads.map(async (_, client) => {
    while (running) {
      const s = seeded[Math.floor(Math.random() * seeded.length)]!;
      try {
        const res = await fetch(`${app.url}/auth/token`, {
          method: 'POST',
          headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
          body: JSON.stringify({ user_id: s.userId, provider: KEY_PROVIDER.id }),
        });
        const body = (await res.json()) as { values?: { api_key?: string }; error?: string };
        if (res.status !== 200 || body.values?.api_key !== s.value) failures.push(`${s.id}: ${res.status} ${body.error ?? 'wrong value'}`);
      } catch (e) {
        failures.push(`${s.id}: ${(e as Error).message}`);
      }
      reads[client]++;
    }
  });
  return {
    reads,
    failures,
    stop: async () => {
      running = false;
      await Promise.all(loops);
    },
  };
}

describe.each(dialects)('vault rotate and reencrypt of 10,000 credentials while 4 clients read (%s)', (dialect) => {
  let app: TestApp;
  let env: Record<string, string>;
  let seeded: SeededCredential[];
  let apiKey: string;
  beforeAll(async () => {
    app = await startTestApp(dialect, { providers: [KEY_PROVIDER], keysPollMs: 200 });
    env = {
      OAUTH3_DATA_DIR: app.config.dataDir,
      OAUTH3_MASTER_KEY: app.config.masterKey!,
      OAUTH3_PROVIDERS: JSON.stringify([KEY_PROVIDER]),
      ...(app.config.databaseUrl ? { DATABASE_URL: app.config.databaseUrl } : {}),
    };
    seeded = await seedCredentials(app.ctx.db, vaultOf(app.ctx).ring, ROWS);
    const key = await newApiKey(app, 'rotation-load');
    apiKey = key.key;
    for (let i = 0; i < seeded.length; i += 1000) {
      const allowances = seeded
        .slice(i, i + 1000)
        .map((s) => ({ user_id: s.userId, provider: KEY_PROVIDER.id, server: key.server, created_at: 1 }));
      await app.ctx.db.insertInto('vault_allowances').values(allowances).execute();
    }
  }, 300_000);
  afterAll(() => app?.stop());

  const onKey = async (kid: string) =>
    Number(
      (
        await app.ctx.db
          .selectFrom('vault_connections')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('key_id', '=', kid)
          .executeTakeFirst()
      )?.n ?? 0,
    );

  it('zero failed reads; reencrypt killed half-way with SIGKILL and run again leaves every row on the new key, unchanged', async () => {
    const oldKid = vaultOf(app.ctx).ring.primaryKid;
    const readers = readContinuously(app, apiKey, seeded);
    try {
      expect(await eventually(() => readers.reads.every((n) => n >= 20), 30_000)).toBe(true); // all four are reading

      const rotated = await runCli(['vault', 'rotate'], env, 120_000);
      expect(rotated.code, rotated.stderr).toBe(0);
      const newKid = rotated.stdout.trim();
      expect(await eventually(() => vaultOf(app.ctx).ring.primaryKid === newKid, 10_000)).toBe(true);

      // Small batches, so the run is long enough to be stopped half-way; killed at its first line past 30%.
      const child = spawnCli(['vault', 'reencrypt', '--batch', '10'], env);
      let stderr = '';
      const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
      child.stderr!.on('data', (d) => {
        stderr += d;
        const m = [...stderr.matchAll(/(\d+)\/(\d+) rows/g)].at(-1);
        if (m && Number(m[1]) >= 0.3 * Number(m[2]) && child.exitCode === null) child.kill('SIGKILL');
      });
      expect(await exited).toBe('SIGKILL');
      const moved = await onKey(newKid);
      expect(stderr).toMatch(/reencrypt \[[#.]{24}\] \d+\/10000 rows, \d+ rows\/s, \d+ s left\n/);
      expect(moved).toBeGreaterThan(0); // killed half-way: some rows moved …
      expect(moved).toBeLessThan(ROWS); // … and not all
      expect(moved + (await onKey(oldKid))).toBe(ROWS); // none lost

      const readsBefore = readers.reads.reduce((a, b) => a + b, 0);
      const again = await runCli(['vault', 'reencrypt'], env, 240_000);
      expect(again.code, again.stderr).toBe(0);
      expect(again.stdout).toBe(`re-sealed ${ROWS - moved} credentials under ${newKid}\n`); // it resumed where it stopped
      expect(await onKey(newKid)).toBe(ROWS);
      expect(readers.reads.reduce((a, b) => a + b, 0)).toBeGreaterThan(readsBefore); // the clients kept reading meanwhile
    } finally {
      await readers.stop();
    }
    expect(readers.failures).toEqual([]);
    expect(Math.min(...readers.reads)).toBeGreaterThan(20);

    // Every row: on the new key, and opening to exactly the value it was seeded with.
    const rows = await app.ctx.db
      .selectFrom('vault_connections')
      .select(['id', 'user_id', 'provider', 'secret_sealed', 'key_id'])
      .execute();
    expect(rows.length).toBe(ROWS);
    const want = new Map(seeded.map((s) => [s.id, s.value]));
    const ring = vaultOf(app.ctx).ring;
    const changed: string[] = [];
    for (const r of rows) {
      const secret = JSON.parse((await ring.open(r.secret_sealed, secretAad(r))).toString());
      if (r.key_id !== ring.primaryKid || secret.values.api_key !== want.get(r.id)) changed.push(r.id);
    }
    expect(changed).toEqual([]);
    expect(await ring.retire(oldKid, async (kid) => (await rowsPerKey(app.ctx.db)).get(kid) ?? 0)).toBe('retired'); // nothing left on it
  }, 600_000);
});
