// SIGKILL during `oauth3 vault reencrypt` (issue 19, Faults): 10,000 seeded credentials (50 batches), `vault
// rotate`, then the re-encryption killed at a random moment of its run (mid-batch most likely: a batch is a
// transaction of 200 rows). Afterwards every row opens (under the old key or the new one) to exactly what it held,
// its key_id names the key its ciphertext is sealed under (nothing half-written), and running reencrypt again
// re-seals exactly the rows still on the old key (rows already re-sealed are not re-done). On SQLite and on
// PostgreSQL.
import type { ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it, onTestFinished } from 'vitest';
import { sealedKeyId } from '../../src/crypto/index.js';
import { vaultOf } from '../../src/vault/index.js';
import { secretAad } from '../../src/vault/credential-secret.js';
import { dialects } from '../support/databases.js';
import { runCli, spawnCli } from '../support/run-cli.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { KEY_PROVIDER, seedCredentials, type SeededCredential } from '../vault/keys-seed.js';

const ROWS = 10_000;
const BATCH = 200;

/** The reencrypt processes started and not yet reaped: killed after each test, however it ended. */
const running = new Set<ChildProcess>();
afterEach(() => {
  for (const c of running) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  running.clear();
});

/** Every row as stored: whether it opens to its seeded value, and whether its key_id is the key its ciphertext names. */
async function check(app: TestApp, seeded: SeededCredential[]) {
  const ring = vaultOf(app.ctx).ring;
  await ring.reload();
  const want = new Map(seeded.map((s) => [s.id, s.value]));
  const rows = await app.ctx.db.selectFrom('vault_connections').select(['id', 'user_id', 'provider', 'secret_sealed', 'key_id']).execute();
  const wrong: string[] = [];
  const perKey = new Map<string, number>();
  for (const r of rows) {
    perKey.set(r.key_id, (perKey.get(r.key_id) ?? 0) + 1);
    if (sealedKeyId(r.secret_sealed) !== r.key_id) wrong.push(`${r.id}: key_id ${r.key_id}, sealed under ${sealedKeyId(r.secret_sealed)}`);
    try {
      const secret = JSON.parse((await ring.open(r.secret_sealed, secretAad(r))).toString()) as { values: { api_key: string } };
      if (secret.values.api_key !== want.get(r.id)) wrong.push(`${r.id}: another value`);
    } catch (e) {
      wrong.push(`${r.id}: ${(e as Error).message}`);
    }
  }
  return { rows: rows.length, wrong, perKey };
}

describe.each(dialects)('SIGKILL during vault reencrypt on %s', (dialect) => {
  it('every row opens after the kill, and reencrypt again re-seals exactly the rest', async () => {
    const app = await startTestApp(dialect, { providers: [KEY_PROVIDER], keysPollMs: 200 });
    onTestFinished(() => app.stop());
    const env = {
      OAUTH3_DATA_DIR: app.config.dataDir,
      OAUTH3_MASTER_KEY: app.config.masterKey!,
      OAUTH3_PROVIDERS: JSON.stringify([KEY_PROVIDER]),
      ...(app.config.databaseUrl ? { DATABASE_URL: app.config.databaseUrl } : {}),
    };
    const seeded = await seedCredentials(app.ctx.db, vaultOf(app.ctx).ring, ROWS);
    const oldKid = vaultOf(app.ctx).ring.primaryKid;
    const rotated = await runCli(['vault', 'rotate'], env, 120_000);
    expect(rotated.code, rotated.stderr).toBe(0);
    const newKid = rotated.stdout.trim();

    // Killed at a random moment of its run, not at a line: at the first progress line (one each tenth) past a random
    // 20-70% of the rows, after a random part of half the time the last tenth took (mid-batch, and before the end).
    const child = spawnCli(['vault', 'reencrypt', '--batch', String(BATCH)], env);
    running.add(child);
    let stderr = '';
    const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.on('exit', (code, signal) => resolve(signal ?? code)));
    const at = 0.2 + Math.random() * 0.5;
    const lines: number[] = [];
    let armed = false;
    const killer = new Promise<void>((resolve) => {
      child.stderr!.on('data', (d) => {
        stderr += d;
        const all = [...stderr.matchAll(/(\d+)\/(\d+) rows/g)];
        while (lines.length < all.length) lines.push(Date.now());
        const m = all.at(-1);
        if (armed || !m || lines.length < 2 || Number(m[1]) < at * Number(m[2])) return;
        armed = true;
        const tenthMs = lines.at(-1)! - lines.at(-2)!;
        setTimeout(
          () => {
            child.kill('SIGKILL');
            resolve();
          },
          Math.floor(Math.random() * 0.5 * tenthMs),
        );
      });
    });
    const bound = setTimeout(() => child.kill('SIGKILL'), 180_000);
    expect(await exited, `reencrypt ended before the kill:\n${stderr}`).toBe('SIGKILL');
    clearTimeout(bound);
    await killer;

    const after = await check(app, seeded);
    expect(after.wrong).toEqual([]);
    expect(after.rows).toBe(ROWS);
    const moved = after.perKey.get(newKid) ?? 0;
    expect(moved).toBeGreaterThan(0); // killed part-way: some rows moved …
    expect(moved).toBeLessThan(ROWS); // … not all
    expect(moved + (after.perKey.get(oldKid) ?? 0)).toBe(ROWS);

    const again = await runCli(['vault', 'reencrypt'], env, 240_000);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toBe(`re-sealed ${ROWS - moved} credentials under ${newKid}\n`); // it resumed: nothing re-done
    const done = await check(app, seeded);
    expect(done.wrong).toEqual([]);
    expect([...done.perKey]).toEqual([[newKid, ROWS]]);
  }, 420_000);
});
