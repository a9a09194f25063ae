import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/run-cli.js';

describe('oauth3 migrate and keys', () => {
  it('migrates, lists, rotates and retires signing keys', async () => {
    const env = { OAUTH3_DATA_DIR: mkdtempSync(join(tmpdir(), 'oauth3-cli-')) };
    const migrated = await runCli(['migrate'], env);
    expect(migrated.code).toBe(0);
    expect(migrated.stdout).toMatch(/^applied ([a-z]+\/\d{4}_\w+, )+[a-z]+\/\d{4}_\w+ to /); // every module's, whatever they add
    for (const m of ['audit', 'accounts', 'tokens', 'oauth', 'agents']) expect(migrated.stdout).toContain(`${m}/0001_baseline`);
    expect((await runCli(['migrate'], env)).stdout).toMatch(/is up to date\n$/);

    const keys = async () =>
      (JSON.parse((await runCli(['keys', 'list', '--json'], env)).stdout) as { kid: string; alg: string; status: string }[]).map((k) => [
        k.kid,
        k.alg,
        k.status,
      ]);
    expect(await keys()).toEqual([]); // migrating makes no key, and listing makes none either

    const rotated = await runCli(['keys', 'rotate'], env); // the first key is generated, then rotated out
    expect(rotated.code).toBe(0);
    const newKid = rotated.stdout.trim();
    const listed = await keys();
    expect(listed).toEqual([
      [newKid, 'ES256', 'active'],
      [expect.any(String), 'ES256', 'verify'],
    ]);
    const oldKid = listed[1][0];

    const refused = await runCli(['keys', 'retire', newKid], env);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain(`oauth3: ${newKid} is active, not a rotated-out key`);
    expect((await runCli(['keys', 'retire', oldKid], env)).stdout).toBe(`retired ${oldKid}\n`);
    expect((await keys()).map((k) => k[2])).toEqual(['active', 'retired']);
  }, 240_000); // eight CLI processes, each compiling TypeScript through tsx: slow on a loaded 2-core machine
});
