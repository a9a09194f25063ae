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
    expect(migrated.stdout).toMatch(
      /^applied audit\/0001_baseline, accounts\/0001_baseline, tokens\/0001_baseline, oauth\/0001_baseline, agents\/0001_baseline to /,
    );
    expect((await runCli(['migrate'], env)).stdout).toMatch(/is up to date\n$/);

    const first = (await runCli(['keys', 'list'], env)).stdout.trim().split('\n');
    expect(first).toHaveLength(1);
    const [oldKid, alg, status] = first[0].split('\t');
    expect([alg, status]).toEqual(['ES256', 'active']);

    const rotated = await runCli(['keys', 'rotate'], env);
    expect(rotated.code).toBe(0);
    const newKid = rotated.stdout.trim();
    const listed = (await runCli(['keys', 'list'], env)).stdout
      .trim()
      .split('\n')
      .map((l) => l.split('\t').slice(0, 3));
    expect(listed).toEqual([
      [newKid, 'ES256', 'active'],
      [oldKid, 'ES256', 'verify'],
    ]);

    const refused = await runCli(['keys', 'retire', newKid], env);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain(`oauth3: ${newKid} is not a rotated-out key`);
    expect((await runCli(['keys', 'retire', oldKid], env)).stdout).toBe(`retired ${oldKid}\n`);
    const after = (await runCli(['keys', 'list'], env)).stdout
      .trim()
      .split('\n')
      .map((l) => l.split('\t')[2]);
    expect(after).toEqual(['active', 'retired']);
  }, 240_000); // nine CLI processes, each compiling TypeScript through tsx: slow on a loaded 2-core machine
});
