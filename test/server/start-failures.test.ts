import { mkdtempSync, readFileSync, writeFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/run-cli.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'oauth3-start-'));
/** A command that starts the whole context (master key, database, signing keys); list commands only read. */
const START = ['keys', 'rotate'];
const oneLine = (stderr: string) =>
  stderr
    .trim()
    .split('\n')
    .filter((l) => l.startsWith('oauth3:'));

describe('a start that cannot succeed fails with one clear line and overwrites nothing', () => {
  it('names the bad variable for an invalid config value', async () => {
    const r = await runCli(['migrate'], { OAUTH3_DATA_DIR: tmp(), OAUTH3_PORT: 'eighty' });
    expect(r.code).not.toBe(0);
    expect(oneLine(r.stderr)).toEqual(['oauth3: OAUTH3_PORT: "eighty" is not a whole number']);
  });

  it('refuses a data directory it cannot write (a file stands where the directory should be)', async () => {
    const dir = tmp();
    const blocker = join(dir, 'data');
    writeFileSync(blocker, 'not a directory');
    const r = await runCli(START, { OAUTH3_DATA_DIR: blocker, OAUTH3_MASTER_KEY: randomBytes(32).toString('hex') });
    expect(r.code).not.toBe(0);
    const lines = oneLine(r.stderr);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(join(blocker, 'oauth3.db'));
    expect(lines[0]).toMatch(/cannot open the database for writing/);
    expect(readFileSync(blocker, 'utf8')).toBe('not a directory');
  });

  it('refuses a database file that is not a database, leaving it untouched', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'oauth3.db'), 'garbage'.repeat(200));
    const r = await runCli(START, { OAUTH3_DATA_DIR: dir, OAUTH3_MASTER_KEY: randomBytes(32).toString('hex') });
    expect(r.code).not.toBe(0);
    expect(oneLine(r.stderr)[0]).toMatch(/oauth3\.db: cannot open the database for writing/);
    expect(readFileSync(join(dir, 'oauth3.db'), 'utf8')).toBe('garbage'.repeat(200));
  });

  it('refuses a corrupt OAUTH3_MASTER_KEY', async () => {
    const r = await runCli(START, { OAUTH3_DATA_DIR: tmp(), OAUTH3_MASTER_KEY: 'too-short' });
    expect(r.code).not.toBe(0);
    expect(oneLine(r.stderr)).toEqual([
      'oauth3: OAUTH3_MASTER_KEY: the master key must be 32 bytes written as 64 hex chars or base64 (got 9 chars)',
    ]);
  });

  it('refuses a corrupt data/master.key and keeps the file as it was', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'master.key'), 'corrupt!\n', { mode: 0o600 });
    const r = await runCli(START, { OAUTH3_DATA_DIR: dir });
    expect(r.code).not.toBe(0);
    expect(oneLine(r.stderr)[0]).toContain(`${join(dir, 'master.key')}: the master key must be 32 bytes`);
    expect(readFileSync(join(dir, 'master.key'), 'utf8')).toBe('corrupt!\n');
  });

  it('generates data/master.key with mode 0600 in embedded mode and reuses it', async () => {
    const dir = tmp();
    const first = await runCli(START, { OAUTH3_DATA_DIR: dir });
    expect(first.code).toBe(0);
    expect(statSync(join(dir, 'master.key')).mode & 0o777).toBe(0o600);
    const key = readFileSync(join(dir, 'master.key'), 'utf8');
    const second = await runCli(START, { OAUTH3_DATA_DIR: dir });
    expect(second.code, second.stderr).toBe(0); // the first run's signing key decrypted with the same master key
    expect(readFileSync(join(dir, 'master.key'), 'utf8')).toBe(key);
  });

  it('refuses to start when the signing keys were encrypted under another master key, changing nothing', async () => {
    const dir = tmp();
    const keyA = randomBytes(32).toString('hex');
    const made = await runCli(START, { OAUTH3_DATA_DIR: dir, OAUTH3_MASTER_KEY: keyA });
    expect(made.code).toBe(0);
    const keys = await runCli(['keys', 'list', '--json'], { OAUTH3_DATA_DIR: dir });
    const before = readFileSync(join(dir, 'oauth3.db'));
    const r = await runCli(START, { OAUTH3_DATA_DIR: dir, OAUTH3_MASTER_KEY: randomBytes(32).toString('hex') });
    expect(r.code).not.toBe(0);
    const lines = oneLine(r.stderr);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /signing key k\w+ is encrypted under master key \S+, but the configured master key is \S+: set OAUTH3_MASTER_KEY/,
    );
    expect((await runCli(['keys', 'list', '--json'], { OAUTH3_DATA_DIR: dir })).stdout).toBe(keys.stdout); // no key added
    const again = await runCli(START, { OAUTH3_DATA_DIR: dir, OAUTH3_MASTER_KEY: keyA });
    expect(again.code, again.stderr).toBe(0); // still readable with the right master key
    expect(before.length).toBeGreaterThan(0);
  });

  it('requires OAUTH3_MASTER_KEY with PostgreSQL', async () => {
    const r = await runCli(START, { OAUTH3_DATA_DIR: tmp(), DATABASE_URL: 'postgres://u:p@127.0.0.1:1/db' });
    expect(r.code).not.toBe(0);
    expect(oneLine(r.stderr)).toEqual([
      'oauth3: OAUTH3_MASTER_KEY: required when DATABASE_URL points at PostgreSQL (every instance must share it)',
    ]);
  });

  it('names an unreachable PostgreSQL without printing its password', async () => {
    const r = await runCli(['keys', 'list'], {
      OAUTH3_DATA_DIR: tmp(),
      DATABASE_URL: 'postgres://u:hunter2@127.0.0.1:1/db',
      OAUTH3_MASTER_KEY: randomBytes(32).toString('hex'),
    });
    expect(r.code).not.toBe(0);
    const lines = oneLine(r.stderr);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/postgres:\/\/u:\*\*\*@127\.0\.0\.1:1\/db: cannot connect to the database \(ECONNREFUSED\)/);
    expect(r.stderr).not.toContain('hunter2');
  });
});
